"""Content-MD5: raw 16 bytes inside, base64 on the wire (HTTP's ``Content-MD5`` header)."""

from __future__ import annotations

import base64
import binascii

from flightdeck_storage.errors import InvalidDigest

MD5_BYTES = 16


def check_md5(md5: bytes) -> bytes:
    if len(md5) != MD5_BYTES:
        raise InvalidDigest(f"an MD5 digest is {MD5_BYTES} bytes, got {len(md5)}")
    return md5


def md5_to_header(md5: bytes) -> str:
    return base64.b64encode(check_md5(md5)).decode()


def md5_from_header(value: str) -> bytes:
    try:
        decoded = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as e:
        raise InvalidDigest(f"Content-MD5 {value!r} is not base64") from e
    return check_md5(decoded)

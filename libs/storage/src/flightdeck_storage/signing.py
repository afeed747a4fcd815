"""Signed URLs for the local backend: HMAC-SHA256 over what the request may do.

A URL is ``<public_url>/flightdeck/storage/<percent-encoded key>?fd-expires=<unix seconds>
&fd-key=<key id>&fd-signature=<base64url HMAC>``. The HMAC covers, one per line::

    flightdeck-storage-v1
    <METHOD>            PUT or GET (a HEAD is checked as a GET)
    <key>               decoded, exactly as stored
    <expires>           the fd-expires value
    <Content-MD5>       base64, as the client sends it in the header; empty for GET

so a client can change none of them, and a PUT must carry the ``Content-MD5`` it was issued
for. The key id names which secret signed the URL: the current one signs, the previous ones
are still accepted for verification, which lets a secret be rotated without breaking URLs
already handed out.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from flightdeck_storage.errors import SignatureMismatch, UrlExpired

VERSION = "flightdeck-storage-v1"
ROUTE_PREFIX = "/flightdeck/storage/"
EXPIRES = "fd-expires"
KEY_ID = "fd-key"
SIGNATURE = "fd-signature"
MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class SigningKey:
    secret: bytes

    def __post_init__(self) -> None:
        if len(self.secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a signing secret needs at least {MIN_SECRET_BYTES} bytes")

    @property
    def key_id(self) -> str:
        """Names the secret in URLs without revealing it."""
        return hashlib.sha256(b"flightdeck-signing-key\0" + self.secret).hexdigest()[:12]

    def mac(self, text: str) -> str:
        digest = hmac.new(self.secret, text.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _text_to_sign(method: str, key: str, expires: int, content_md5: str) -> str:
    return "\n".join((VERSION, method.upper(), key, str(expires), content_md5))


class UrlSigner:
    def __init__(
        self,
        current: SigningKey,
        previous: Sequence[SigningKey] = (),
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._current = current
        self._accepted = {k.key_id: k for k in (*previous, current)}
        self._clock = clock

    def now(self) -> float:
        return self._clock()

    def sign(self, method: str, key: str, expires: int, content_md5: str = "") -> dict[str, str]:
        """The query parameters that authorise ``method`` on ``key`` until ``expires``."""
        return {
            EXPIRES: str(expires),
            KEY_ID: self._current.key_id,
            SIGNATURE: self._current.mac(_text_to_sign(method, key, expires, content_md5)),
        }

    def verify(
        self, method: str, key: str, query: Mapping[str, str], content_md5: str = ""
    ) -> None:
        """Raises SignatureMismatch unless the query was issued for exactly this request, then
        UrlExpired when it was but its time is up."""
        expires_text = query.get(EXPIRES, "")
        signature = query.get(SIGNATURE, "")
        signer = self._accepted.get(query.get(KEY_ID, ""))
        if not expires_text.isdigit() or not signature:
            raise SignatureMismatch("not a signed URL: fd-expires or fd-signature missing")
        if signer is None:
            raise SignatureMismatch("the URL was signed with a key that is no longer accepted")
        expected = signer.mac(_text_to_sign(method, key, int(expires_text), content_md5))
        if not hmac.compare_digest(expected, signature):
            raise SignatureMismatch(
                "the signature does not match this method, path, expiry and Content-MD5"
            )
        if self._clock() > int(expires_text):
            raise UrlExpired("the signed URL has expired")

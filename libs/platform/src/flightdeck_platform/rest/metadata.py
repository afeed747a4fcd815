"""HTTP headers to gRPC metadata and back, following grpc-gateway's conventions.

Inbound, only a known set of headers crosses (auth, trace context, request id), plus any
``Grpc-Metadata-<name>`` header as ``<name>``; ``X-Forwarded-For``/``-Host`` are extended with
the peer as grpc-gateway does. Outbound, response metadata becomes ``Grpc-Metadata-<key>``.
A ``Grpc-Timeout`` header becomes the call's deadline.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable

from starlette.datastructures import Headers

from flightdeck_platform.rest.errors import InvalidRequest

MetadataPairs = list[tuple[str, str | bytes]]

PREFIX = "grpc-metadata-"
_FORWARDED = frozenset(
    ("authorization", "flyte-authorization", "traceparent", "tracestate", "baggage", "x-request-id")
)
# Connection-level headers are illegal in HTTP/2 (RFC 9113 §8.2.2); the rest grpc owns.
_RESERVED = frozenset(
    (
        *("connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"),
        *("host", "content-type", "content-length", "user-agent"),
        *("x-forwarded-for", "x-forwarded-host"),
    )
)
_KEY = re.compile(r"[0-9a-z_.-]+")
_VALUE = re.compile(r"[\x20-\x7e]*")
_TIMEOUT = re.compile(r"([0-9]{1,8})([HMSmun])")
_SECONDS_PER_UNIT = {"H": 3600.0, "M": 60.0, "S": 1.0, "m": 1e-3, "u": 1e-6, "n": 1e-9}


def request_metadata(headers: Headers, peer: str | None) -> MetadataPairs:
    pairs: MetadataPairs = []
    for raw_key, raw_value in headers.raw:
        name = _metadata_name(raw_key.decode("latin-1").lower())
        value = _metadata_value(name, raw_value.decode("latin-1")) if name else None
        if name and value is not None:
            pairs.append((name, value))
    return pairs + _forwarded(headers, peer)


def response_headers(metadata: Iterable[tuple[str, str | bytes]]) -> list[tuple[str, str]]:
    """``Grpc-Metadata-<key>`` headers for the printable, non-reserved response metadata."""
    return [
        (f"Grpc-Metadata-{key}", value)
        for key, value in metadata
        if isinstance(value, str) and not key.startswith("grpc-") and _VALUE.fullmatch(value)
    ]


def timeout(headers: Headers) -> float | None:
    raw = headers.get("grpc-timeout")
    if raw is None:
        return None
    match = _TIMEOUT.fullmatch(raw.strip())
    if match is None:
        raise InvalidRequest(f"invalid grpc-timeout: {raw}")
    return int(match.group(1)) * _SECONDS_PER_UNIT[match.group(2)]


def _metadata_name(header: str) -> str | None:
    if header in _FORWARDED:
        return header
    if not header.startswith(PREFIX):
        return None
    name = header.removeprefix(PREFIX)
    if name in _RESERVED or name.startswith("grpc-") or not _KEY.fullmatch(name):
        return None
    return name


def _metadata_value(name: str, value: str) -> str | bytes | None:
    if not name.endswith("-bin"):
        value = value.strip()
        return value if _VALUE.fullmatch(value) else None
    try:
        return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except binascii.Error:
        return None


def _forwarded(headers: Headers, peer: str | None) -> MetadataPairs:
    chain = ", ".join(v for v in (headers.get("x-forwarded-for"), peer) if v)
    host = headers.get("x-forwarded-host") or headers.get("host")
    candidates = (("x-forwarded-for", chain), ("x-forwarded-host", host or ""))
    return [(key, value) for key, value in candidates if value and _VALUE.fullmatch(value)]

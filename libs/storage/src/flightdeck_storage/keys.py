"""Object keys: ``/``-separated relative paths, the same for every backend.

A key is checked before any backend sees it, so no spelling of ``..`` (and no absolute path,
backslash or control character) can name something outside the store. The top-level segment
``.flightdeck`` is the local backend's own (temporary files) and no key may use it.
"""

from __future__ import annotations

from flightdeck_storage.errors import InvalidKey

RESERVED_SEGMENT = ".flightdeck"
MAX_KEY_BYTES = 1024
"""S3's limit, applied to every backend so a key valid here is valid everywhere."""


def _check_segment(key: str, segment: str) -> None:
    if segment in ("", ".", ".."):
        raise InvalidKey(f"invalid object key {key!r}: empty, '.' or '..' segment")
    if "\\" in segment or any(ord(c) < 0x20 or ord(c) == 0x7F for c in segment):
        raise InvalidKey(f"invalid object key {key!r}: backslash or control character")


def validate_key(key: str) -> str:
    """Returns ``key`` unchanged when it is a safe relative key; raises InvalidKey otherwise."""
    if not key:
        raise InvalidKey("empty object key")
    if len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidKey(f"object key longer than {MAX_KEY_BYTES} bytes")
    segments = key.split("/")
    for segment in segments:
        _check_segment(key, segment)
    if segments[0] == RESERVED_SEGMENT:
        raise InvalidKey(f"invalid object key {key!r}: {RESERVED_SEGMENT}/ is reserved")
    return key


def join_key(*parts: str) -> str:
    """Joins key parts, dropping empty ones and stray slashes: ``join_key("", "a/", "b")`` is
    ``a/b``. The result is validated."""
    return validate_key("/".join(p.strip("/") for p in parts if p.strip("/")))

"""The object-store port and the values it trades in. Every backend implements ``ObjectStore``;
one contract suite (tests/contract) holds them all to it."""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

Content = bytes | AsyncIterable[bytes]
"""What ``write`` accepts: the whole object, or chunks streamed without holding them all."""


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    modified_at: datetime


@dataclass(frozen=True)
class SignedUrl:
    """A URL a client may use without credentials until ``expires_at``; ``headers`` must be
    sent with the request exactly as given (they are part of what was signed)."""

    url: str
    expires_at: datetime
    headers: Mapping[str, str] = field(default_factory=dict)


class ObjectStore(Protocol):
    """Keys are validated ``/``-separated relative paths (``flightdeck_storage.keys``)."""

    scheme: str
    """The scheme of native URLs: ``file`` or ``s3``."""

    def native_url(self, key: str) -> str:
        """The URL Flyte records for an object (``file:///root/key``, ``s3://bucket/key``)."""

    def key_of(self, native_url: str) -> str:
        """The key a native URL names; raises ForeignLocation for another store's URL and
        InvalidKey for one that escapes this store."""

    async def write(
        self,
        key: str,
        content: Content,
        *,
        content_md5: bytes | None = None,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        """Stores the object whole or not at all (readers never see a partial object). With
        ``content_md5`` the bytes must match it (ChecksumMismatch, nothing stored); with
        ``max_bytes`` a longer content raises ObjectTooLarge and nothing is stored."""

    async def read(self, key: str) -> bytes:
        """Raises ObjectNotFound."""

    def read_chunks(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        """Streams the object; raises ObjectNotFound on the first iteration if it is missing."""

    async def head(self, key: str) -> ObjectInfo:
        """Raises ObjectNotFound."""

    async def exists(self, key: str) -> bool: ...

    async def content_md5(self, key: str) -> bytes | None:
        """The MD5 of the stored bytes, or None when the backend cannot tell (an S3 object
        written in parts without MD5 metadata). Raises ObjectNotFound."""

    async def delete(self, key: str) -> None:
        """Removes the object; deleting a missing object is not an error."""

    def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a string prefix, as S3 defines
        it, not a directory), in key order."""

    async def sign_upload(
        self, key: str, content_md5: bytes, expires_in: timedelta, *, md5_metadata: bool = False
    ) -> SignedUrl:
        """A PUT URL honoured only for a body with this MD5. ``md5_metadata`` also records the
        MD5 as object metadata (``x-amz-meta-flytecontentmd5`` on S3), as flytekit asks."""

    async def sign_download(self, key: str, expires_in: timedelta) -> SignedUrl:
        """A GET URL for the object (which need not exist yet)."""

    async def ping(self) -> None:
        """Readiness: raises when the backend cannot serve requests."""

    async def close(self) -> None: ...

"""The embedded backend: objects are files under one root directory.

A write goes to a temporary file under ``<root>/.flightdeck/tmp`` (same filesystem) and is
renamed into place only once its size and MD5 are known to be right, so readers and concurrent
writers of the same key only ever see whole objects (the last rename wins). The rename is not
followed by an fsync: a crash may lose a recent write, but never leaves a partial one visible
under its key. Signed URLs point at the data proxy's ``/flightdeck/storage/`` endpoint
(``flightdeck_storage.endpoint``), which checks them with the same ``UrlSigner``.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urlencode

from flightdeck_storage.digests import check_md5, md5_to_header
from flightdeck_storage.errors import (
    ChecksumMismatch,
    ForeignLocation,
    InvalidKey,
    ObjectNotFound,
    ObjectTooLarge,
    StoreUnavailable,
)
from flightdeck_storage.keys import RESERVED_SEGMENT, validate_key
from flightdeck_storage.objects import Content, ObjectInfo, SignedUrl
from flightdeck_storage.signing import ROUTE_PREFIX, UrlSigner

WRITE_BATCH_BYTES = 1 << 20
"""Incoming chunks are gathered up to this size before a write, so a small-chunked upload does
not cost one thread hop per chunk."""


class _Sink:
    """A temporary file being filled, with its running size and MD5."""

    def __init__(self, path: Path, max_bytes: int | None) -> None:
        self.path = path
        self.size = 0
        self.md5 = hashlib.md5(usedforsecurity=False)
        self._max = max_bytes
        self._file: BinaryIO = path.open("xb")

    def add(self, data: bytes) -> None:
        self.size += len(data)
        if self._max is not None and self.size > self._max:
            raise ObjectTooLarge(self._max)
        self.md5.update(data)
        self._file.write(data)

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)


def _file_md5(path: Path) -> bytes:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as f:
        while block := f.read(WRITE_BATCH_BYTES):
            digest.update(block)
    return digest.digest()


class LocalObjectStore:
    scheme = "file"

    def __init__(self, root: Path, signer: UrlSigner | None = None, public_url: str = "") -> None:
        """``public_url`` is where clients reach the signed-URL endpoint (the edge)."""
        self.root = root.resolve()
        self._tmp = self.root / RESERVED_SEGMENT / "tmp"
        self._tmp.mkdir(parents=True, exist_ok=True)
        self._signer = signer
        self._public_url = public_url.rstrip("/")

    def path_of(self, key: str) -> Path:
        """The file of a key; refuses keys that would resolve outside the root (also through a
        symbolic link planted inside it)."""
        path = self.root / validate_key(key)
        if not path.resolve().is_relative_to(self.root):
            raise InvalidKey(f"object key {key!r} resolves outside the store")
        return path

    def native_url(self, key: str) -> str:
        return f"file://{self.path_of(key)}"

    def key_of(self, native_url: str) -> str:
        prefix = f"file://{self.root}/"
        if not native_url.startswith(prefix):
            raise ForeignLocation(f"{native_url} is not in this store ({prefix})")
        key = native_url[len(prefix) :]
        self.path_of(key)
        return key

    async def write(
        self,
        key: str,
        content: Content,
        *,
        content_md5: bytes | None = None,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        target = self.path_of(key)
        expected = check_md5(content_md5) if content_md5 is not None else None
        sink = await asyncio.to_thread(_Sink, self._tmp / uuid.uuid4().hex, max_bytes)
        try:
            await self._fill(sink, content)
            await asyncio.to_thread(sink.close)
            if expected is not None and sink.md5.digest() != expected:
                raise ChecksumMismatch(
                    f"the content's MD5 {md5_to_header(sink.md5.digest())} differs from the "
                    f"declared {md5_to_header(expected)}"
                )
            await asyncio.to_thread(self._publish, sink.path, target)
        except BaseException:
            await asyncio.to_thread(sink.discard)
            raise
        return await self.head(key)

    async def _fill(self, sink: _Sink, content: Content) -> None:
        if isinstance(content, bytes):
            await asyncio.to_thread(sink.add, content)
            return
        batch = bytearray()
        async for chunk in content:
            batch += chunk
            if len(batch) >= WRITE_BATCH_BYTES:
                await asyncio.to_thread(sink.add, bytes(batch))
                batch.clear()
        if batch:
            await asyncio.to_thread(sink.add, bytes(batch))

    @staticmethod
    def _publish(source: Path, target: Path) -> None:
        # A concurrent delete may prune the directory between mkdir and rename; try again.
        for _ in range(5):
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.replace(source, target)
                return
            except FileNotFoundError:
                continue
        raise StoreUnavailable(f"could not place {target}: its directory keeps disappearing")

    async def read(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
            raise ObjectNotFound(key) from e

    async def read_chunks(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        path = self.path_of(key)
        try:
            handle = await asyncio.to_thread(path.open, "rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as e:
            raise ObjectNotFound(key) from e
        try:
            while chunk := await asyncio.to_thread(handle.read, chunk_size):
                yield chunk
        finally:
            await asyncio.to_thread(handle.close)

    async def head(self, key: str) -> ObjectInfo:
        path = self.path_of(key)
        try:
            stat = await asyncio.to_thread(path.stat)
        except (FileNotFoundError, NotADirectoryError) as e:
            raise ObjectNotFound(key) from e
        if not path.is_file():
            raise ObjectNotFound(key)
        return ObjectInfo(key, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)

    async def content_md5(self, key: str) -> bytes | None:
        await self.head(key)
        try:
            return await asyncio.to_thread(_file_md5, self.path_of(key))
        except FileNotFoundError as e:
            raise ObjectNotFound(key) from e

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._delete, self.path_of(key))

    def _delete(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        parent = path.parent
        while parent != self.root:
            try:
                parent.rmdir()
            except OSError:
                return
            parent = parent.parent

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        for key in await asyncio.to_thread(self._keys, prefix):
            try:
                yield await self.head(key)
            except ObjectNotFound:
                continue

    def _keys(self, prefix: str) -> Sequence[str]:
        directory = prefix.rpartition("/")[0]
        base = self.path_of(directory) if directory else self.root
        return sorted(k for k in self._walk(base) if k.startswith(prefix))

    def _walk(self, base: Path) -> Iterator[str]:
        reserved = self.root / RESERVED_SEGMENT
        for folder, dirs, files in os.walk(base):
            if Path(folder) == self.root and RESERVED_SEGMENT in dirs:
                dirs.remove(RESERVED_SEGMENT)
            if Path(folder).is_relative_to(reserved):
                continue
            for name in files:
                yield (Path(folder) / name).relative_to(self.root).as_posix()

    def _signed(self, method: str, key: str, expires_in: timedelta, md5: str = "") -> SignedUrl:
        if self._signer is None or not self._public_url:
            raise StoreUnavailable("this local store has no signing key or public URL")
        validate_key(key)
        expires = int(self._signer.now() + expires_in.total_seconds())
        query = urlencode(self._signer.sign(method, key, expires, md5))
        url = f"{self._public_url}{ROUTE_PREFIX}{quote(key, safe='/=')}?{query}"
        headers = {"Content-MD5": md5} if md5 else {}
        return SignedUrl(url, datetime.fromtimestamp(expires, UTC), headers)

    async def sign_upload(
        self, key: str, content_md5: bytes, expires_in: timedelta, *, md5_metadata: bool = False
    ) -> SignedUrl:
        # The MD5 of a local object is always recomputable, so there is no metadata to add.
        return self._signed("PUT", key, expires_in, md5_to_header(content_md5))

    async def sign_download(self, key: str, expires_in: timedelta) -> SignedUrl:
        return self._signed("GET", key, expires_in)

    async def ping(self) -> None:
        writable = await asyncio.to_thread(os.access, self._tmp, os.W_OK)
        if not writable:
            raise StoreUnavailable(f"object store root {self.root} is not writable")

    async def close(self) -> None:
        return None

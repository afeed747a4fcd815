"""The S3-compatible backend (AWS S3, SeaweedFS, Ceph...), on aiobotocore.

Every object is written with one PUT carrying its Content-MD5 (the server refuses a body that
does not match) and the ``flytecontentmd5`` metadata flytekit's uploads carry too, so
``content_md5`` can answer for any object written by flightdeck or flytekit. Native URLs are
``s3://<bucket>/<key>``. botocore's errors are translated here and nowhere else.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import IO, Any, Literal, TypeVar

from aiobotocore.config import AioConfig
from aiobotocore.session import get_session
from botocore.exceptions import BotoCoreError, ClientError

from flightdeck_storage.digests import check_md5, md5_to_header
from flightdeck_storage.errors import (
    ChecksumMismatch,
    ForeignLocation,
    ObjectNotFound,
    ObjectTooLarge,
    StoreUnavailable,
)
from flightdeck_storage.keys import validate_key
from flightdeck_storage.objects import Content, ObjectInfo, SignedUrl

MD5_METADATA = "flytecontentmd5"
SPOOL_IN_MEMORY_BYTES = 8 << 20
"""A streamed write is spooled (to disk past this size) so it can go out as one PUT."""

_MISSING = {"404", "NoSuchKey", "NotFound"}
_BAD_DIGEST = {"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"}
T = TypeVar("T")


def _translate(error: Exception, key: str) -> Exception:
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", ""))
        if code in _MISSING:
            return ObjectNotFound(key)
        if code in _BAD_DIGEST:
            return ChecksumMismatch(f"the S3 server refused the content of {key}: {code}")
    return StoreUnavailable(f"S3 request for {key!r} failed: {error}")


async def _call(key: str, request: Callable[[], Awaitable[T]]) -> T:
    try:
        return await request()
    except (ClientError, BotoCoreError) as e:
        raise _translate(e, key) from e


class _Spool:
    """A streamed content gathered for a single PUT, with its size and MD5."""

    def __init__(self, max_bytes: int | None) -> None:
        # Closed by S3ObjectStore.write once the PUT is done.
        self.file: IO[bytes] = tempfile.SpooledTemporaryFile(SPOOL_IN_MEMORY_BYTES)  # noqa: SIM115
        self.md5 = hashlib.md5(usedforsecurity=False)
        self.size = 0
        self._max = max_bytes

    def add(self, data: bytes) -> None:
        self.size += len(data)
        if self._max is not None and self.size > self._max:
            raise ObjectTooLarge(self._max)
        self.md5.update(data)
        self.file.write(data)


class S3ObjectStore:
    scheme = "s3"

    def __init__(
        self,
        client: Any,
        bucket: str,
        clock: Callable[[], datetime],
        closing: contextlib.AsyncExitStack,
    ) -> None:
        """Use ``connect``; ``client`` is an open aiobotocore S3 client that ``closing`` ends."""
        self._client = client
        self._closing = closing
        self.bucket = bucket
        self._clock = clock

    @classmethod
    async def connect(
        cls,
        bucket: str,
        *,
        endpoint_url: str | None = None,
        region: str = "us-east-1",
        access_key_id: str | None = None,
        secret_access_key: str | None = None,
        addressing_style: Literal["path", "virtual", "auto"] = "path",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> S3ObjectStore:
        config = AioConfig(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            # Only the checksums S3 requires: the newer defaults (CRC32 trailers, aws-chunked
            # bodies) are not understood by every S3-compatible server.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 3, "mode": "standard"},
        )
        exit_stack = contextlib.AsyncExitStack()
        client = await exit_stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=endpoint_url,
                region_name=region,
                aws_access_key_id=access_key_id,
                aws_secret_access_key=secret_access_key,
                config=config,
            )
        )
        return cls(client, bucket, clock, exit_stack)

    def native_url(self, key: str) -> str:
        return f"s3://{self.bucket}/{validate_key(key)}"

    def key_of(self, native_url: str) -> str:
        prefix = f"s3://{self.bucket}/"
        if not native_url.startswith(prefix):
            raise ForeignLocation(f"{native_url} is not in this store ({prefix})")
        return validate_key(native_url[len(prefix) :])

    async def write(
        self,
        key: str,
        content: Content,
        *,
        content_md5: bytes | None = None,
        max_bytes: int | None = None,
    ) -> ObjectInfo:
        validate_key(key)
        spool = _Spool(max_bytes)
        try:
            if isinstance(content, bytes):
                spool.add(content)
            else:
                async for chunk in content:
                    spool.add(chunk)
            digest = spool.md5.digest()
            if content_md5 is not None and check_md5(content_md5) != digest:
                raise ChecksumMismatch(
                    f"the content's MD5 {md5_to_header(digest)} differs from the declared "
                    f"{md5_to_header(content_md5)}"
                )
            spool.file.seek(0)
            await _call(key, lambda: self._put(key, spool.file, digest, spool.size))
        finally:
            spool.file.close()
        return await self.head(key)

    async def _put(self, key: str, body: IO[bytes], md5: bytes, size: int) -> Any:
        encoded = md5_to_header(md5)
        return await self._client.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentLength=size,
            ContentMD5=encoded,
            Metadata={MD5_METADATA: encoded},
        )

    async def read(self, key: str) -> bytes:
        return b"".join([chunk async for chunk in self.read_chunks(key)])

    async def read_chunks(self, key: str, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        validate_key(key)
        response = await _call(key, lambda: self._client.get_object(Bucket=self.bucket, Key=key))
        try:
            async with response["Body"] as stream:
                while chunk := await stream.read(chunk_size):
                    yield chunk
        except (ClientError, BotoCoreError, OSError) as e:
            raise StoreUnavailable(f"reading {key!r} from S3 failed: {e}") from e

    async def _head(self, key: str) -> Any:
        validate_key(key)
        return await _call(key, lambda: self._client.head_object(Bucket=self.bucket, Key=key))

    async def head(self, key: str) -> ObjectInfo:
        found = await self._head(key)
        return ObjectInfo(key, int(found["ContentLength"]), found["LastModified"])

    async def exists(self, key: str) -> bool:
        try:
            await self._head(key)
        except ObjectNotFound:
            return False
        return True

    async def content_md5(self, key: str) -> bytes | None:
        found = await self._head(key)
        recorded = found.get("Metadata", {}).get(MD5_METADATA)
        if recorded:
            return base64.b64decode(recorded)
        etag = str(found.get("ETag", "")).strip('"')
        # A single-part upload's ETag is the hex MD5; a multipart one ends in "-<parts>".
        if len(etag) == 32 and all(c in "0123456789abcdef" for c in etag.lower()):
            return bytes.fromhex(etag)
        return None

    async def delete(self, key: str) -> None:
        validate_key(key)
        await _call(key, lambda: self._client.delete_object(Bucket=self.bucket, Key=key))

    async def list(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        try:
            async for page in pages:
                for item in page.get("Contents", []):
                    yield ObjectInfo(item["Key"], int(item["Size"]), item["LastModified"])
        except (ClientError, BotoCoreError) as e:
            raise StoreUnavailable(f"listing {prefix!r} failed: {e}") from e

    async def sign_upload(
        self, key: str, content_md5: bytes, expires_in: timedelta, *, md5_metadata: bool = False
    ) -> SignedUrl:
        encoded = md5_to_header(content_md5)
        params: dict[str, Any] = {"Bucket": self.bucket, "Key": validate_key(key)}
        params["ContentMD5"] = encoded
        headers = {"Content-MD5": encoded}
        if md5_metadata:
            params["Metadata"] = {MD5_METADATA: encoded}
            headers[f"x-amz-meta-{MD5_METADATA}"] = encoded
        url = await self._sign(key, "put_object", params, expires_in)
        return SignedUrl(url, self._clock() + expires_in, headers)

    async def sign_download(self, key: str, expires_in: timedelta) -> SignedUrl:
        params = {"Bucket": self.bucket, "Key": validate_key(key)}
        url = await self._sign(key, "get_object", params, expires_in)
        return SignedUrl(url, self._clock() + expires_in)

    async def _sign(
        self, key: str, operation: str, params: dict[str, Any], expires_in: timedelta
    ) -> str:
        seconds = int(expires_in.total_seconds())
        return str(
            await _call(
                key,
                lambda: self._client.generate_presigned_url(
                    operation, Params=params, ExpiresIn=seconds
                ),
            )
        )

    async def create_bucket(self) -> None:
        """Creates the bucket unless it exists (for local servers and tests)."""
        try:
            await self._client.head_bucket(Bucket=self.bucket)
        except ClientError:
            await _call(self.bucket, lambda: self._client.create_bucket(Bucket=self.bucket))

    async def delete_bucket(self) -> None:
        """Removes the (empty) bucket; for tests."""
        await _call(self.bucket, lambda: self._client.delete_bucket(Bucket=self.bucket))

    async def ping(self) -> None:
        await _call(self.bucket, lambda: self._client.head_bucket(Bucket=self.bucket))

    async def close(self) -> None:
        await self._closing.aclose()

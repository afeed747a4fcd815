"""CreateUploadLocation (admin.md §8.1)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flightdeck_dataproxy.domain.errors import UploadConflict
from flightdeck_dataproxy.domain.expiry import resolve_expiry
from flightdeck_dataproxy.domain.uploads import UploadRequest, random_name
from flightdeck_dataproxy.service.ports import BlobStore
from flightdeck_storage import join_key


@dataclass(frozen=True)
class UploadPolicy:
    max_expires_in: timedelta = timedelta(hours=1)
    storage_prefix: str = ""
    default_filename_length: int = 20


@dataclass(frozen=True)
class UploadLocation:
    signed_url: str
    native_url: str
    expires_at: datetime
    headers: dict[str, str] = field(default_factory=dict)


class Uploads:
    def __init__(
        self,
        store: BlobStore,
        policy: UploadPolicy,
        new_name: Callable[[int], str] = random_name,
    ) -> None:
        self._store = store
        self._policy = policy
        self._new_name = new_name

    async def create_location(self, request: UploadRequest) -> UploadLocation:
        request.validate()
        expires_in = resolve_expiry(request.expires_in, self._policy.max_expires_in)
        filename = request.filename or self._new_name(self._policy.default_filename_length)
        key = join_key(*request.key_parts(self._policy.storage_prefix, filename))
        if request.filename:
            await self._refuse_other_content(key, request.content_md5)
        signed = await self._store.sign_upload(
            key, request.content_md5, expires_in, md5_metadata=request.md5_metadata
        )
        return UploadLocation(
            signed.url, self._store.native_url(key), signed.expires_at, dict(signed.headers)
        )

    async def _refuse_other_content(self, key: str, content_md5: bytes) -> None:
        """A chosen name is deterministic: uploading different bytes there would change what
        earlier registrations point at. The same bytes may be uploaded again."""
        if not await self._store.exists(key):
            return
        if await self._store.content_md5(key) != content_md5:
            raise UploadConflict(
                f"a file with different content already exists at {self._store.native_url(key)};"
                " upload it with its matching MD5 or under another name"
            )

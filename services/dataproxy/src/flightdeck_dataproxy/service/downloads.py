"""CreateDownloadLocation and CreateDownloadLink (admin.md §8.2)."""

from __future__ import annotations

from datetime import timedelta

from flightdeck_dataproxy.domain.errors import DeckNotFound, ExecutionNotFound, NodeLookupFailed
from flightdeck_dataproxy.domain.expiry import resolve_expiry
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import BlobStore, ExecutionDataLocator
from flightdeck_storage import ObjectNotFound, SignedUrl


class Downloads:
    def __init__(
        self, store: BlobStore, executions: ExecutionDataLocator, max_expires_in: timedelta
    ) -> None:
        self._store = store
        self._executions = executions
        self._max = max_expires_in

    async def location(self, native_url: str, expires_in: timedelta | None) -> SignedUrl:
        """A GET URL for any object of this store, which need not exist (as the reference)."""
        lifetime = resolve_expiry(expires_in, self._max)
        return await self._store.sign_download(self._store.key_of(native_url), lifetime)

    async def deck_link(self, node: NodeRef, expires_in: timedelta | None) -> SignedUrl:
        lifetime = resolve_expiry(expires_in, self._max)
        try:
            deck_uri = await self._executions.deck_uri(node)
        except ExecutionNotFound as e:
            # The reference answers INVALID_ARGUMENT when the node cannot be looked up.
            raise NodeLookupFailed(f"failed to find node execution [{node}]: {e.message}") from e
        if not deck_uri:
            raise DeckNotFound(f"no deckUrl found for node execution [{node}]")
        key = self._store.key_of(deck_uri)
        if not await self._store.exists(key):
            raise ObjectNotFound(key)
        return await self._store.sign_download(key, lifetime)

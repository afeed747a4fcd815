"""What the use cases need from outside: the object store and the executions' data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from flyteidl.core import literals_pb2

from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_storage import SignedUrl


class BlobStore(Protocol):
    """The part of ``flightdeck_storage.ObjectStore`` the data proxy uses."""

    def native_url(self, key: str) -> str: ...

    def key_of(self, native_url: str) -> str:
        """Raises ForeignLocation / InvalidKey."""

    async def exists(self, key: str) -> bool: ...

    async def content_md5(self, key: str) -> bytes | None:
        """Raises ObjectNotFound."""

    async def sign_upload(
        self, key: str, content_md5: bytes, expires_in: timedelta, *, md5_metadata: bool = False
    ) -> SignedUrl: ...

    async def sign_download(self, key: str, expires_in: timedelta) -> SignedUrl: ...


@dataclass(frozen=True)
class IoData:
    """A node's (or task attempt's) full inputs and outputs."""

    inputs: literals_pb2.LiteralMap
    outputs: literals_pb2.LiteralMap


class ExecutionDataLocator(Protocol):
    """Finds the data of node executions and their task attempts. Executions are recorded by
    admin; the data proxy only reads them."""

    async def node_data(self, node: NodeRef) -> IoData:
        """Raises ExecutionNotFound."""

    async def attempt_data(self, node: NodeRef, attempt: int) -> IoData:
        """Raises ExecutionNotFound, or AttemptNotFound when the node has no such attempt."""

    async def deck_uri(self, node: NodeRef) -> str:
        """The native URL of the node's deck, '' when it has none; raises ExecutionNotFound."""

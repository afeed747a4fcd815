"""What eviction needs beside the execution records: the task cache the executor populates
(``flightdeck_records.task_cache``) and the node executions' cache status."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from flyteidl.core import identifier_pb2

from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord


class TaskCacheEntries(Protocol):
    """``key`` is ``flightdeck_records.task_cache.entry_key``."""

    async def reserve(self, key: str, owner: str, heartbeat: timedelta) -> str:
        """Takes or extends the entry's reservation for ``owner``; returns who holds it."""

    async def release(self, key: str, owner: str) -> None: ...

    async def delete(self, key: str, artifact_id: str) -> None:
        """Deletes that artifact under the key; nothing when it is gone or was replaced."""


class CachedNodes(Protocol):
    async def launched_by(self, task_keys: Sequence[str]) -> list[NodeRecord]:
        """The node executions these task attempts launched (a dynamic task's children)."""

    async def attempts_of(
        self, nodes: Sequence[identifier_pb2.NodeExecutionIdentifier]
    ) -> list[TaskRecord]:
        """Every task attempt of these node executions."""

    async def mark_evicted(self, record: NodeRecord) -> None:
        """Records the node's cache status as CACHE_EVICTED (raises when it changed since
        ``record`` was read)."""

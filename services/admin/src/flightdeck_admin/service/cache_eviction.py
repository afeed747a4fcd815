"""CacheService.EvictTaskExecutionCache (admin.md §10, §10a): the entry a task execution's node
put in (or took from) the task cache is deleted under a reservation, the node execution then
says CACHE_EVICTED, and so for every task node that attempt launched (a dynamic task's
children, and theirs). What fails for one node is an entry in the response; the RPC fails only
for a bad request or an unknown task execution."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import cache_eviction as rules
from flightdeck_admin.service.cache_ports import CachedNodes, TaskCacheEntries
from flightdeck_admin.service.record_ports import NodeExecutionStore, TaskExecutionStore
from flightdeck_proto.gen.flyteidl.core import cache_eviction_pb2
from flightdeck_proto.gen.flyteidl.service import cache_pb2
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_cache import key_of_dataset
from flightdeck_records.task_executions import task_key

log = logging.getLogger(__name__)

Code = cache_eviction_pb2.CacheEvictionError
Errors = list[cache_eviction_pb2.CacheEvictionError]
MAX_DEPTH = 10
"""Dynamic tasks nest; this bounds the walk as admin bounds nesting."""


class CacheEviction:
    def __init__(
        self,
        tasks: TaskExecutionStore,
        nodes: NodeExecutionStore,
        cached: CachedNodes,
        entries: TaskCacheEntries,
    ) -> None:
        self._tasks = tasks
        self._nodes = nodes
        self._cached = cached
        self._entries = entries

    async def evict_task_execution(
        self, request: cache_pb2.EvictTaskExecutionCacheRequest
    ) -> cache_pb2.EvictCacheResponse:
        attempt_id = request.task_execution_id
        rules.require_request(attempt_id, request.HasField("task_execution_id"))
        attempt = await self._tasks.get(attempt_id)
        node = await self._nodes.get(attempt_id.node_execution_id)
        # The reservation's owner, as flyteadmin's: the attempt's generated name.
        owner = attempt.task.closure.metadata.generated_name or task_key(attempt_id)
        errors: Errors = []
        if rules.task_node_metadata(node.node) is None:
            errors.append(rules.not_a_task_node(node.node.id))
        else:
            await self._evict_node(node, attempt_id, owner, errors)
            await self._evict_children([task_key(attempt_id)], owner, errors)
        response = cache_pb2.EvictCacheResponse()
        response.errors.errors.extend(errors)
        return response

    async def _evict_children(self, launchers: list[str], owner: str, errors: Errors) -> None:
        for _ in range(MAX_DEPTH):
            children = await self._cached.launched_by(launchers)
            if not children:
                return
            attempts = await self._cached.attempts_of([c.node.id for c in children])
            last: dict[str, identifier_pb2.TaskExecutionIdentifier] = {}
            for found in sorted(attempts, key=lambda a: a.task.id.retry_attempt):
                last[found.task.id.node_execution_id.node_id] = found.task.id
            for child in children:
                await self._evict_node(child, last.get(child.node.id.node_id), owner, errors)
            launchers = [task_key(a.task.id) for a in attempts]

    async def _evict_node(
        self,
        record: NodeRecord,
        attempt: identifier_pb2.TaskExecutionIdentifier | None,
        owner: str,
        errors: Errors,
    ) -> None:
        metadata = rules.task_node_metadata(record.node)
        if metadata is None or not rules.holds_cached_data(metadata):
            return
        catalog_key = metadata.catalog_key
        key = key_of_dataset(catalog_key.dataset_id, catalog_key.artifact_tag.name)
        report = _Report(record.node.id, attempt, errors)
        try:
            holder = await self._entries.reserve(
                key, owner, timedelta(seconds=rules.RESERVATION_HEARTBEAT_SECONDS)
            )
        except Exception:
            report.fail(Code.RESERVATION_NOT_ACQUIRED, "Failed to acquire reservation for artifact")
            return
        if holder != owner:
            report.fail(Code.RESERVATION_NOT_ACQUIRED, "Artifact is reserved by different owner")
            return
        try:
            await self._delete_and_mark(record, key, catalog_key.artifact_tag.artifact_id, report)
        finally:
            try:
                await self._entries.release(key, owner)
            except Exception:
                report.fail(
                    Code.RESERVATION_NOT_RELEASED, "Failed to release reservation for artifact"
                )

    async def _delete_and_mark(
        self, record: NodeRecord, key: str, artifact_id: str, report: _Report
    ) -> None:
        try:
            await self._entries.delete(key, artifact_id)
        except Exception:
            report.fail(Code.ARTIFACT_DELETE_FAILED, "Failed to delete artifact")
            return
        try:
            await self._cached.mark_evicted(record)
        except Exception:
            report.fail(Code.DATABASE_UPDATE_FAILED, "Failed to update node execution")


@dataclass(frozen=True)
class _Report:
    """Where one node's failures go: an entry each, logged with the cause being handled."""

    node_id: identifier_pb2.NodeExecutionIdentifier
    attempt: identifier_pb2.TaskExecutionIdentifier | None
    errors: Errors

    def fail(self, code: int, message: str) -> None:
        log.warning("cache eviction of node %s: %s", self.node_id.node_id, message, exc_info=True)
        self.errors.append(rules.failure(code, message, self.node_id, self.attempt))

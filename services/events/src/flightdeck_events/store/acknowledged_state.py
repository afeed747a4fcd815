"""The gateway's acknowledged state in Redis: per execution, the phase (and cluster) of the
execution and of each node and task attempt as of the last event the gateway acknowledged.

Every gateway replica answers from it, so an event is judged against everything acknowledged
before it, whichever replica took it and however far the projector lags. One hash per execution
(``{execution}`` is a hash tag, so a Redis Cluster keeps it on one shard); an execution's hash
is seeded once from the projection, the first time an event names it, and expires a while
after its last event, when the projection has long caught up and can seed it again."""

from __future__ import annotations

from typing import Any, TypeAlias

from flyteidl.admin import node_execution_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2
from redis import exceptions
from redis.asyncio import Redis

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.service import metrics
from flightdeck_events.store.projection_view import MongoProjectionView, ProjectionSnapshot
from flightdeck_events.store.tracing import redis_span
from flightdeck_platform import faults
from flightdeck_records import executions
from flightdeck_records.node_executions import NodeRecord, node_key
from flightdeck_records.task_executions import TaskRecord, task_key

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier
_EXECUTION = "execution"
_UNREACHABLE = (exceptions.ConnectionError, exceptions.TimeoutError)


def _unavailable(error: BaseException) -> faults.Fault:
    return faults.Unavailable(f"the gateway's acknowledged state (Redis) is unreachable: {error}")


class RedisAcknowledgedState:
    def __init__(
        self, redis: Redis, projection: MongoProjectionView, namespace: str, ttl_seconds: int
    ) -> None:
        self._redis = redis
        self._projection = projection
        self._namespace = namespace
        self._ttl_seconds = ttl_seconds

    @faults.translated(_UNREACHABLE, _unavailable)
    async def workflow(self, execution_id: ExecutionId, not_found: str) -> ExecutionProgress:
        progress, _ = await self._read(execution_id, not_found, None)
        return progress

    @faults.translated(_UNREACHABLE, _unavailable)
    async def node(
        self, node_id: identifier_pb2.NodeExecutionIdentifier, not_found: str
    ) -> tuple[ExecutionProgress, NodeRecord | None]:
        progress, value = await self._read(node_id.execution_id, not_found, _node_field(node_id))
        return progress, None if value is None else _node_record(value)

    @faults.translated(_UNREACHABLE, _unavailable)
    async def task(
        self, task_id: identifier_pb2.TaskExecutionIdentifier, not_found: str
    ) -> tuple[ExecutionProgress, TaskRecord | None]:
        execution_id = task_id.node_execution_id.execution_id
        progress, value = await self._read(execution_id, not_found, _task_field(task_id))
        return progress, None if value is None else _task_record(value)

    @faults.translated(_UNREACHABLE, _unavailable)
    async def acknowledge_workflow(
        self, execution_id: ExecutionId, progress: ExecutionProgress
    ) -> None:
        await self._write(execution_id, {_EXECUTION: _progress_value(progress)})

    @faults.translated(_UNREACHABLE, _unavailable)
    async def acknowledge_node(
        self, node_id: identifier_pb2.NodeExecutionIdentifier, phase: int
    ) -> None:
        await self._write(node_id.execution_id, {_node_field(node_id): str(phase)})

    @faults.translated(_UNREACHABLE, _unavailable)
    async def acknowledge_task(
        self, task_id: identifier_pb2.TaskExecutionIdentifier, phase: int, phase_version: int
    ) -> None:
        execution_id = task_id.node_execution_id.execution_id
        await self._write(execution_id, {_task_field(task_id): f"{phase} {phase_version}"})

    async def _read(
        self, execution_id: ExecutionId, not_found: str, field: str | None
    ) -> tuple[ExecutionProgress, str | None]:
        key = self._key(execution_id)
        fields = [_EXECUTION, *([field] if field else [])]
        with redis_span("HMGET"):
            values: list[Any] = await self._redis.hmget(key, fields)
        if values[0] is None:
            snapshot = await self._projection.snapshot(execution_id, not_found)
            values = await self._seed(key, snapshot, fields)
        entity = values[1] if field else None
        return _progress(_text(values[0])), None if entity is None else _text(entity)

    async def _seed(self, key: str, snapshot: ProjectionSnapshot, fields: list[str]) -> list[Any]:
        """Only fields nobody wrote yet: an event another replica acknowledged meanwhile is newer
        than the projection read here. One transaction, which also reads ``fields`` back, so no
        reader sees the execution without its nodes and tasks."""
        values = {_EXECUTION: _progress_value(snapshot.progress)}
        values |= {_node_field(n.node.id): str(n.node.closure.phase) for n in snapshot.nodes}
        values |= {
            _task_field(t.task.id): f"{t.task.closure.phase} {t.phase_version}"
            for t in snapshot.tasks
        }
        with redis_span("HSETNX"):
            async with self._redis.pipeline(transaction=True) as pipe:
                for name, value in values.items():
                    pipe.hsetnx(key, name, value)
                pipe.expire(key, self._ttl_seconds)
                pipe.hmget(key, fields)
                *_, values = await pipe.execute()
        metrics.ACKNOWLEDGED_STATE_SEEDED.inc()
        return values  # type: ignore[no-any-return]

    async def _write(self, execution_id: ExecutionId, values: dict[str, str]) -> None:
        key = self._key(execution_id)
        with redis_span("HSET"):
            async with self._redis.pipeline(transaction=False) as pipe:
                pipe.hset(key, mapping=values)  # type: ignore[arg-type]
                pipe.expire(key, self._ttl_seconds)
                await pipe.execute()

    def _key(self, execution_id: ExecutionId) -> str:
        return f"flightdeck:acknowledged:{self._namespace}:{{{executions.key(execution_id)}}}"


def _node_field(node_id: identifier_pb2.NodeExecutionIdentifier) -> str:
    return f"node {node_key(node_id)}"


def _task_field(task_id: identifier_pb2.TaskExecutionIdentifier) -> str:
    return f"task {task_key(task_id)}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _progress_value(progress: ExecutionProgress) -> str:
    return f"{progress.phase} {progress.cluster}"


def _progress(value: str) -> ExecutionProgress:
    phase, _, cluster = value.partition(" ")
    return ExecutionProgress(phase=int(phase), cluster=cluster)


def _node_record(value: str) -> NodeRecord:
    node = node_execution_pb2.NodeExecution()
    node.closure.phase = int(value)  # type: ignore[assignment]
    return NodeRecord(node=node)


def _task_record(value: str) -> TaskRecord:
    phase, _, version = value.partition(" ")
    task = task_execution_pb2.TaskExecution()
    task.closure.phase = int(phase)  # type: ignore[assignment]
    return TaskRecord(task=task, phase_version=int(version))

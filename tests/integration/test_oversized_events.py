"""Events carrying megabytes of error text or custom info (real Kafka, FerretDB, Redis, and an
admin reading what the projector wrote): the gateway accepts them with the large parts cut, the
run ends in the phase the events say, and every read of it still fits a client that keeps gRPC's
default 4 MiB receive limit."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import (
    common_pb2,
    event_pb2,
    execution_pb2,
    node_execution_pb2,
    task_execution_pb2,
)
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2 as events
from flyteidl.service import admin_pb2_grpc
from google.protobuf import struct_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_admin.messaging import kafka as admin_kafka
from flightdeck_admin.server import build_host, outbox_of
from flightdeck_admin.settings import AdminSettings
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import KafkaSettings, MongoSettings, ServerSettings
from flightdeck_records import executions, task_executions
from flightdeck_storage import LocalObjectStore

from .conftest import Pipeline

pytestmark = pytest.mark.integration

MIB = 1024 * 1024
NODE = "n0"
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK,
    project="flytesnacks",
    domain="development",
    name="tasks.noisy",
    version="v1",
)


@pytest.fixture
async def admin(pipeline: Pipeline, mongo_url: str, tmp_path: Path) -> AsyncIterator[ServiceHost]:
    """An admin reading the pipeline's database, as the deployed one reads the projector's."""
    settings = AdminSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        mongo=MongoSettings(url=mongo_url, database=pipeline.database.name),
        kafka=KafkaSettings(bootstrap_servers=pipeline.kafka_bootstrap),
    )
    blobs = LocalObjectStore(tmp_path / "admin-storage")
    producer = admin_kafka.producer(settings.kafka)
    deliveries = outbox_of(pipeline.database, producer, blobs)
    host = build_host(settings, pipeline.database.client, blobs, producer, deliveries)
    await host.start()
    try:
        yield host
    finally:
        await host.stop()
        await producer.stop()


def _at(seconds: int) -> Timestamp:
    return Timestamp(seconds=1_700_000_000 + seconds)


def _huge(size: int, tag: str) -> str:
    """``size`` bytes that start with ``tag`` and end with ``tag`` reversed, so the kept head
    and tail are recognisable."""
    return tag + "x" * (size - 2 * len(tag)) + tag[::-1]


def _workflow(execution_id, phase, at, **fields):  # type: ignore[no-untyped-def]
    return event_pb2.WorkflowExecutionEventRequest(
        event=events.WorkflowExecutionEvent(
            execution_id=execution_id, phase=phase, occurred_at=_at(at), **fields
        )
    )


def _node(execution_id, phase, at, **fields):  # type: ignore[no-untyped-def]
    node_id = identifier_pb2.NodeExecutionIdentifier(execution_id=execution_id, node_id=NODE)
    return event_pb2.NodeExecutionEventRequest(
        event=events.NodeExecutionEvent(
            id=node_id, phase=phase, occurred_at=_at(at), spec_node_id=NODE, **fields
        )
    )


def _task(execution_id, phase, at, **fields):  # type: ignore[no-untyped-def]
    node_id = identifier_pb2.NodeExecutionIdentifier(execution_id=execution_id, node_id=NODE)
    return event_pb2.TaskExecutionEventRequest(
        event=events.TaskExecutionEvent(
            task_id=TASK,
            parent_node_execution_id=node_id,
            phase=phase,
            occurred_at=_at(at),
            **fields,
        )
    )


def _failure(message: str) -> core.ExecutionError:
    return core.ExecutionError(code="USER:Exploded", message=message, kind=core.ExecutionError.USER)


def _custom_info(size: int) -> struct_pb2.Struct:
    info = struct_pb2.Struct()
    info.update({"dashboard": "http://example/ray", "dump": "y" * size})
    return info


async def _send_noisy_run(pipeline: Pipeline, execution_id) -> None:  # type: ignore[no-untyped-def]
    """A run whose task fails with 5 MiB of error after reporting 3 MiB of custom info, whose
    node fails with 9 MiB of error (more than the event log takes whole), and whose workflow
    fails with 5 MiB of error."""
    wf, node, task = core.WorkflowExecution, core.NodeExecution, core.TaskExecution
    stub = pipeline.stub
    await stub.CreateWorkflowEvent(_workflow(execution_id, wf.QUEUED, 0))
    await stub.CreateWorkflowEvent(_workflow(execution_id, wf.RUNNING, 1))
    await stub.CreateNodeEvent(_node(execution_id, node.RUNNING, 2))
    await stub.CreateTaskEvent(
        _task(execution_id, task.RUNNING, 3, custom_info=_custom_info(3 * MIB))
    )
    await stub.CreateTaskEvent(
        _task(execution_id, task.FAILED, 4, error=_failure(_huge(5 * MIB, "task-head")))
    )
    await stub.CreateNodeEvent(
        _node(execution_id, node.FAILED, 5, error=_failure(_huge(9 * MIB, "node-head")))
    )
    await stub.CreateWorkflowEvent(
        _workflow(execution_id, wf.FAILED, 6, error=_failure(_huge(5 * MIB, "workflow-head")))
    )


def _assert_cut(message: str, tag: str, original: int) -> None:
    assert message.startswith(tag) and message.endswith(tag[::-1])
    assert "truncated" in message and f"of {original} bytes" in message
    assert len(message.encode()) < MIB


async def test_megabytes_of_error_and_custom_info_end_failed_and_stay_readable(
    pipeline: Pipeline, admin: ServiceHost
) -> None:
    execution_id = await pipeline.seed_execution("oversized")
    await _send_noisy_run(pipeline, execution_id)

    async def ended() -> bool:
        document = await pipeline.database[executions.COLLECTION].find_one(
            executions.by_key(execution_id)
        )
        attempt = await pipeline.database[task_executions.COLLECTION].find_one(
            {task_executions.EXECUTION_NAME: execution_id.name}
        )
        return bool(
            document
            and document[executions.PHASE] == "FAILED"
            and attempt
            and attempt[task_executions.PHASE] == "FAILED"
        )

    await pipeline.wait_for(ended)

    # gRPC's defaults: a 4 MiB receive limit, as flytekit and the console's proxies keep.
    async with grpc.aio.insecure_channel(f"127.0.0.1:{admin.grpc_port}") as channel:
        reader = admin_pb2_grpc.AdminServiceStub(channel)
        run = await reader.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=execution_id))
        listed = await reader.ListExecutions(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(
                    project=execution_id.project, domain=execution_id.domain
                ),
                limit=100,
            )
        )
        node_id = identifier_pb2.NodeExecutionIdentifier(execution_id=execution_id, node_id=NODE)
        node = await reader.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(id=node_id))
        attempts = await reader.ListTaskExecutions(
            task_execution_pb2.TaskExecutionListRequest(node_execution_id=node_id, limit=10)
        )

    assert run.closure.phase == core.WorkflowExecution.FAILED
    _assert_cut(run.closure.error.message, "workflow-head", 5 * MIB)
    assert [(e.id.name, e.closure.phase) for e in listed.executions] == [
        (execution_id.name, core.WorkflowExecution.FAILED)
    ]
    assert node.closure.phase == core.NodeExecution.FAILED
    _assert_cut(node.closure.error.message, "node-head", 9 * MIB)
    (attempt,) = attempts.task_executions
    assert attempt.closure.phase == core.TaskExecution.FAILED
    _assert_cut(attempt.closure.error.message, "task-head", 5 * MIB)
    info = attempt.closure.custom_info
    assert "dump" not in info.fields and info["truncated"] is True
    assert info["original_bytes"] > 3 * MIB

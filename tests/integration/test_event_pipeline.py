"""Events through the gateway (real Kafka) become MongoDB projections (real FerretDB)."""

from __future__ import annotations

import asyncio
import os.path
import uuid

import grpc
import pytest
from aiokafka import AIOKafkaProducer
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.event import event_pb2
from google.rpc import status_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import executions, node_executions, task_executions, topics

pytestmark = pytest.mark.integration


def _name() -> str:
    return f"e{uuid.uuid4().hex[:12]}"


async def _execution_document(pipeline, execution_id):  # type: ignore[no-untyped-def]
    return await pipeline.database[executions.COLLECTION].find_one(
        executions.identity(execution_id)
    )


async def _succeeded(pipeline, execution_id):  # type: ignore[no-untyped-def]
    document = await _execution_document(pipeline, execution_id)
    return document if document and document[executions.PHASE] == "SUCCEEDED" else None


async def test_a_propeller_stream_becomes_the_projection(pipeline, propeller) -> None:  # type: ignore[no-untyped-def]
    execution_id = await pipeline.seed_execution(_name())
    await propeller.run_execution(pipeline.stub, propeller.ExecutionStream(execution_id))

    document = await pipeline.wait_for(lambda: _succeeded(pipeline, execution_id))

    execution = executions.execution_of(document)
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED
    assert execution.closure.started_at.seconds > 0
    assert execution.closure.duration.ToNanoseconds() > 0
    assert execution.closure.outputs.uri.endswith("/outputs.pb")
    nodes = {
        d["_id"].rsplit("/", 1)[1]: d
        async for d in pipeline.database[node_executions.COLLECTION].find(
            {node_executions.EXECUTION_NAME: execution_id.name}
        )
    }
    assert sorted(nodes) == ["n0", "n1", "n1-0-dn0", "n1-0-dn1", "n2"]
    assert all(d[node_executions.PHASE] == "SUCCEEDED" for d in nodes.values())
    assert [n for n, d in nodes.items() if d[node_executions.TOP_LEVEL]] == ["n0", "n1", "n2"]
    child = node_executions.node_record_of(nodes["n1-0-dn0"])
    assert child.parent_task_execution_id.endswith("/n1/flytesnacks/development/tasks.fanout/v1/0")
    dynamic = node_executions.node_record_of(nodes["n1"])
    assert dynamic.node.metadata.is_parent_node and dynamic.node.metadata.is_dynamic
    assert dynamic.dynamic_workflow is not None
    closure_path = dynamic.dynamic_workflow.compiled_workflow_uri.removeprefix("file://")
    assert await asyncio.to_thread(os.path.isfile, closure_path)
    attempts = [
        task_executions.task_record_of(d)
        async for d in pipeline.database[task_executions.COLLECTION]
        .find({task_executions.EXECUTION_NAME: execution_id.name, task_executions.NODE_ID: "n0"})
        .sort(task_executions.RETRY_ATTEMPT, 1)
    ]
    assert [a.task.closure.phase for a in attempts] == [
        core.TaskExecution.RETRYABLE_FAILED,
        core.TaskExecution.SUCCEEDED,
    ]
    # A retryable failure is not terminal: the reference records errors on terminal phases only.
    assert not attempts[0].task.closure.HasField("error")
    assert [log.name for log in attempts[1].task.closure.logs] == ["Kubernetes Logs (attempt 1)"]
    assert attempts[1].task.closure.output_uri.endswith("/n0/1/outputs.pb")


async def test_the_gateway_answers_duplicates_and_terminal_records_like_the_reference(
    pipeline, propeller
) -> None:  # type: ignore[no-untyped-def]
    execution_id = await pipeline.seed_execution(_name())
    stream = list(propeller.ExecutionStream(execution_id))
    for request in stream:
        await propeller.emit(pipeline.stub, request)
    await pipeline.wait_for(lambda: _succeeded(pipeline, execution_id))

    with pytest.raises(grpc.aio.AioRpcError) as duplicate:
        await pipeline.stub.CreateWorkflowEvent(stream[-1])
    assert duplicate.value.code() == grpc.StatusCode.ALREADY_EXISTS

    running = admin_event_pb2.WorkflowExecutionEventRequest()
    running.CopyFrom(stream[1])
    with pytest.raises(grpc.aio.AioRpcError) as terminal:
        await pipeline.stub.CreateWorkflowEvent(running)
    assert terminal.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    reason = _failure_reason(terminal.value)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"


async def test_an_unknown_execution_is_not_found_and_nothing_is_logged(pipeline) -> None:  # type: ignore[no-untyped-def]
    event = event_pb2.WorkflowExecutionEvent(phase=core.WorkflowExecution.RUNNING)
    event.execution_id.project, event.execution_id.domain = "flytesnacks", "development"
    event.execution_id.name = _name()
    event.occurred_at.GetCurrentTime()
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await pipeline.stub.CreateWorkflowEvent(
            admin_event_pb2.WorkflowExecutionEventRequest(event=event)
        )
    assert missing.value.code() == grpc.StatusCode.NOT_FOUND


async def test_a_poison_message_is_dead_lettered_and_the_partition_keeps_flowing(
    pipeline, propeller
) -> None:  # type: ignore[no-untyped-def]
    execution_id = await pipeline.seed_execution(_name())
    key = topics.execution_key(execution_id)
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(pipeline.prefix + topics.EVENTS, b"\xffnot protobuf", key=key)
    finally:
        await producer.stop()
    await propeller.run_execution(pipeline.stub, propeller.ExecutionStream(execution_id))

    await pipeline.wait_for(lambda: _succeeded(pipeline, execution_id))
    found = await pipeline.read_topic(topics.EVENTS_DEAD_LETTER)
    letters = [
        events_pb2.DeadLetter.FromString(value)
        for (value) in found[pipeline.prefix + topics.EVENTS_DEAD_LETTER]
    ]
    assert [(letter.payload, letter.source_topic) for letter in letters] == [
        (b"\xffnot protobuf", pipeline.prefix + topics.EVENTS)
    ]
    assert letters[0].reason.startswith("not an EventEnvelope")


async def test_phase_changes_are_announced_as_protobuf_and_cloudevents(pipeline, propeller) -> None:  # type: ignore[no-untyped-def]
    execution_id = await pipeline.seed_execution(_name())
    await propeller.run_execution(pipeline.stub, propeller.ExecutionStream(execution_id))
    await pipeline.wait_for(lambda: _succeeded(pipeline, execution_id))

    by_topic = await pipeline.read_topic(
        topics.EXECUTION_PHASES, topics.EXECUTION_PHASES_CLOUDEVENTS
    )
    changes = [
        events_pb2.ExecutionPhaseChanged.FromString(v)
        for v in by_topic[pipeline.prefix + topics.EXECUTION_PHASES]
    ]
    workflow = [c.phase for c in changes if c.entity == events_pb2.ExecutionPhaseChanged.WORKFLOW]
    assert workflow == ["QUEUED", "RUNNING", "SUCCEEDING", "SUCCEEDED"]
    assert len(by_topic[pipeline.prefix + topics.EXECUTION_PHASES_CLOUDEVENTS]) == len(changes)


def _failure_reason(error: grpc.aio.AioRpcError) -> admin_event_pb2.EventFailureReason:
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            status = status_pb2.Status.FromString(value)
            reason = admin_event_pb2.EventFailureReason()
            status.details[0].Unpack(reason)
            return reason
    raise AssertionError("no status details")

"""A propeller-like event source: the workflow, node and task events a run of a small but
realistic workflow produces, in the order propeller emits them, for N concurrent executions.

Each execution runs: a task node whose first attempt fails retryably and second succeeds (phase
versions bump as log links appear), a dynamic node whose task yields two child nodes (each with
its own task attempt, parented to the dynamic task), and a plain task node; then the workflow
succeeds. Timestamps advance per event so ordering is visible in the projection.

Used by ``bench/events_bench.py`` and by the event pipeline's fault tests. As a script it drives a
running system: ``uv run python bench/propeller_load.py --target 127.0.0.1:8089 --executions 8``.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import compiler_pb2, execution_pb2, identifier_pb2, literals_pb2
from flyteidl.event import event_pb2

ExecutionId = identifier_pb2.WorkflowExecutionIdentifier
EventRequest = (
    admin_event_pb2.WorkflowExecutionEventRequest
    | admin_event_pb2.NodeExecutionEventRequest
    | admin_event_pb2.TaskExecutionEventRequest
)

WF = execution_pb2.WorkflowExecution
NODE = execution_pb2.NodeExecution
TASK = execution_pb2.TaskExecution
PRODUCER = "propeller"


@dataclass
class _Clock:
    moment: datetime

    def tick(self) -> datetime:
        self.moment += timedelta(milliseconds=10)
        return self.moment


def _task_id(execution: ExecutionId, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project=execution.project,
        domain=execution.domain,
        name=name,
        version="v1",
    )


def _int_outputs(value: int) -> literals_pb2.LiteralMap:
    outputs = literals_pb2.LiteralMap()
    outputs.literals["o0"].scalar.primitive.integer = value
    return outputs


class ExecutionStream:
    """The events of one execution, in emission order."""

    def __init__(
        self, execution: ExecutionId, start: datetime | None = None, producer_id: str = PRODUCER
    ) -> None:
        """``producer_id``: what propeller sends, its cluster id when one is configured."""
        self.execution = execution
        self._clock = _Clock(start or datetime.now(UTC))
        self._producer_id = producer_id

    def __iter__(self) -> Iterator[EventRequest]:
        yield from self._workflow(WF.QUEUED)
        yield from self._workflow(WF.RUNNING)
        yield from self._retried_task_node("n0", "tasks.flaky")
        yield from self._dynamic_node("n1", "tasks.fanout", children=2)
        yield from self._task_node("n2", "tasks.summarize", attempts=1)
        yield from self._workflow(WF.SUCCEEDING)
        yield from self._workflow(WF.SUCCEEDED, outputs_uri=self._uri("outputs.pb"))

    def _uri(self, *parts: str) -> str:
        e = self.execution
        return "/".join(("file:///bench/data", e.project, e.domain, e.name, *parts))

    def _stamp(self, event: object) -> None:
        moment = self._clock.tick()
        event.occurred_at.FromDatetime(moment)  # type: ignore[attr-defined]

    def _workflow(self, phase: int, outputs_uri: str = "") -> Iterator[EventRequest]:
        event = event_pb2.WorkflowExecutionEvent(
            execution_id=self.execution,
            producer_id=self._producer_id,
            phase=phase,  # type: ignore[arg-type]
        )
        if outputs_uri:
            event.output_uri = outputs_uri
        self._stamp(event)
        yield admin_event_pb2.WorkflowExecutionEventRequest(request_id=_rid(), event=event)

    def _node(
        self,
        node_id: str,
        phase: int,
        *,
        is_parent: bool = False,
        is_dynamic: bool = False,
        parent_task: identifier_pb2.TaskExecutionIdentifier | None = None,
        dynamic: event_pb2.DynamicWorkflowNodeMetadata | None = None,
        outputs_uri: str = "",
    ) -> admin_event_pb2.NodeExecutionEventRequest:
        event = event_pb2.NodeExecutionEvent(
            id=identifier_pb2.NodeExecutionIdentifier(execution_id=self.execution, node_id=node_id),
            producer_id=self._producer_id,
            phase=phase,  # type: ignore[arg-type]
            input_uri=self._uri(node_id, "inputs.pb"),
            spec_node_id=node_id.rsplit("-", 1)[-1],
            node_name=node_id,
            is_parent=is_parent,
            is_dynamic=is_dynamic,
            event_version=1,
        )
        if parent_task is not None:
            event.parent_task_metadata.id.CopyFrom(parent_task)
        if dynamic is not None:
            event.task_node_metadata.dynamic_workflow.CopyFrom(dynamic)
        if outputs_uri:
            event.output_uri = outputs_uri
        self._stamp(event)
        event.reported_at.CopyFrom(event.occurred_at)
        return admin_event_pb2.NodeExecutionEventRequest(request_id=_rid(), event=event)

    def _task(
        self,
        node_id: str,
        task_name: str,
        attempt: int,
        phase: int,
        phase_version: int = 0,
        outputs_uri: str = "",
    ) -> admin_event_pb2.TaskExecutionEventRequest:
        event = event_pb2.TaskExecutionEvent(
            task_id=_task_id(self.execution, task_name),
            parent_node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                execution_id=self.execution, node_id=node_id
            ),
            retry_attempt=attempt,
            phase=phase,  # type: ignore[arg-type]
            phase_version=phase_version,
            producer_id=self._producer_id,
            input_uri=self._uri(node_id, "inputs.pb"),
            task_type="python-task",
            event_version=1,
        )
        if phase_version:
            log = event.logs.add()
            log.name = f"Kubernetes Logs (attempt {attempt})"
            log.uri = f"http://logs.example/{self.execution.name}/{node_id}/{attempt}"
        if outputs_uri:
            event.output_uri = outputs_uri
        event.reason = f"{TASK.Phase.Name(phase)} v{phase_version}"  # type: ignore[arg-type]
        if phase == TASK.RETRYABLE_FAILED:
            event.error.code = "USER:RuntimeError"
            event.error.message = "transient failure, retrying"
            event.error.kind = execution_pb2.ExecutionError.USER
        self._stamp(event)
        event.reported_at.CopyFrom(event.occurred_at)
        return admin_event_pb2.TaskExecutionEventRequest(request_id=_rid(), event=event)

    def attempt_id(
        self, node_id: str, task_name: str, attempt: int
    ) -> identifier_pb2.TaskExecutionIdentifier:
        return identifier_pb2.TaskExecutionIdentifier(
            task_id=_task_id(self.execution, task_name),
            node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                execution_id=self.execution, node_id=node_id
            ),
            retry_attempt=attempt,
        )

    def _task_node(self, node_id: str, task_name: str, attempts: int) -> Iterator[EventRequest]:
        yield self._node(node_id, NODE.QUEUED)
        yield self._node(node_id, NODE.RUNNING)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            yield self._task(node_id, task_name, attempt, TASK.QUEUED)
            yield self._task(node_id, task_name, attempt, TASK.RUNNING)
            yield self._task(node_id, task_name, attempt, TASK.RUNNING, phase_version=1)
            if last:
                yield self._task(
                    node_id,
                    task_name,
                    attempt,
                    TASK.SUCCEEDED,
                    outputs_uri=self._uri(node_id, str(attempt), "outputs.pb"),
                )
            else:
                yield self._task(node_id, task_name, attempt, TASK.RETRYABLE_FAILED)
        yield self._node(node_id, NODE.SUCCEEDED, outputs_uri=self._uri(node_id, "outputs.pb"))

    def _retried_task_node(self, node_id: str, task_name: str) -> Iterator[EventRequest]:
        yield from self._task_node(node_id, task_name, attempts=2)

    def _dynamic_node(self, node_id: str, task_name: str, children: int) -> Iterator[EventRequest]:
        parent_attempt = self.attempt_id(node_id, task_name, 0)
        yield self._node(node_id, NODE.QUEUED)
        yield self._node(node_id, NODE.RUNNING)
        yield self._task(node_id, task_name, 0, TASK.RUNNING)
        yield self._node(
            node_id,
            NODE.DYNAMIC_RUNNING,
            is_parent=True,
            is_dynamic=True,
            dynamic=self._dynamic_closure(node_id, children),
        )
        for index in range(children):
            child = f"{node_id}-0-dn{index}"
            yield self._node(child, NODE.QUEUED, parent_task=parent_attempt)
            yield self._node(child, NODE.RUNNING, parent_task=parent_attempt)
            yield self._task(child, "tasks.square", 0, TASK.RUNNING, phase_version=1)
            yield self._task(
                child, "tasks.square", 0, TASK.SUCCEEDED, outputs_uri=self._uri(child, "o.pb")
            )
            yield self._node(
                child,
                NODE.SUCCEEDED,
                parent_task=parent_attempt,
                outputs_uri=self._uri(child, "o.pb"),
            )
        yield self._task(
            node_id, task_name, 0, TASK.SUCCEEDED, outputs_uri=self._uri(node_id, "o.pb")
        )
        yield self._node(
            node_id,
            NODE.SUCCEEDED,
            is_parent=True,
            is_dynamic=True,
            outputs_uri=self._uri(node_id, "o.pb"),
        )

    def _dynamic_closure(
        self, node_id: str, children: int
    ) -> event_pb2.DynamicWorkflowNodeMetadata:
        workflow_id = identifier_pb2.Identifier(
            resource_type=identifier_pb2.WORKFLOW,
            project=self.execution.project,
            domain=self.execution.domain,
            name=f"dynamic.{node_id}",
            version="v1",
        )
        closure = compiler_pb2.CompiledWorkflowClosure()
        closure.primary.template.id.CopyFrom(workflow_id)
        for index in range(children):
            node = closure.primary.template.nodes.add()
            node.id = f"dn{index}"
        return event_pb2.DynamicWorkflowNodeMetadata(
            id=workflow_id,
            compiled_workflow=closure,
            dynamic_job_spec_uri=self._uri(node_id, "futures.pb"),
        )


_counter = 0


def _rid() -> str:
    global _counter
    _counter += 1
    return f"r{_counter}"


EVENTS_PER_EXECUTION = sum(
    1 for _ in ExecutionStream(ExecutionId(project="p", domain="d", name="x"))
)


async def emit(stub: object, request: EventRequest) -> None:
    """One event through AdminService, as propeller sends it."""
    if isinstance(request, admin_event_pb2.WorkflowExecutionEventRequest):
        await stub.CreateWorkflowEvent(request)  # type: ignore[attr-defined]
    elif isinstance(request, admin_event_pb2.NodeExecutionEventRequest):
        await stub.CreateNodeEvent(request)  # type: ignore[attr-defined]
    else:
        await stub.CreateTaskEvent(request)  # type: ignore[attr-defined]


async def emit_until_taken(
    stub: object, request: EventRequest, give_up_after: float = 120.0
) -> None:
    """As propeller does: retry while the control plane is unavailable; an event it already has
    (ALREADY_EXISTS after a retry whose first try did land) counts as delivered."""
    import grpc

    deadline = time.monotonic() + give_up_after
    pause = 0.1
    while True:
        try:
            await emit(stub, request)
            return
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.ALREADY_EXISTS:
                return
            retryable = error.code() in (
                grpc.StatusCode.UNAVAILABLE,
                grpc.StatusCode.DEADLINE_EXCEEDED,
            )
            if not retryable or time.monotonic() > deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 2.0)


async def run_execution(stub: object, stream: ExecutionStream, retry: bool = False) -> list[float]:
    """Sends one execution's events in order, each after the previous was acknowledged (as
    propeller's per-workflow loop does); returns the acknowledgement times."""
    acknowledged = []
    for request in stream:
        if retry:
            await emit_until_taken(stub, request)
        else:
            await emit(stub, request)
        acknowledged.append(time.monotonic())
    return acknowledged


async def _main() -> None:
    import grpc
    from flyteidl.service import admin_pb2_grpc

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--target", default="127.0.0.1:8089", help="the edge's gRPC address")
    parser.add_argument("--project", default="flytesnacks")
    parser.add_argument("--domain", default="development")
    parser.add_argument(
        "--executions",
        nargs="+",
        required=True,
        help="names of executions that exist (create them first, e.g. with FlyteRemote)",
    )
    options = parser.parse_args()
    async with grpc.aio.insecure_channel(options.target) as channel:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        started = time.monotonic()
        streams = [
            ExecutionStream(ExecutionId(project=options.project, domain=options.domain, name=n))
            for n in options.executions
        ]
        await asyncio.gather(*(run_execution(stub, s) for s in streams))
        elapsed = time.monotonic() - started
    total = EVENTS_PER_EXECUTION * len(streams)
    print(
        f"{total} events for {len(streams)} executions in {elapsed:.2f}s ({total / elapsed:.0f}/s)"
    )


if __name__ == "__main__":
    asyncio.run(_main())

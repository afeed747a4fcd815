"""Launch-plan nodes through RunDriver, against a record of admin's executions built on the
ChildExecutions port: the child is created with this node as its parent, every event after
the launch names it, and its outcome (outputs, failure, abort) becomes the node's; a launch
admin refuses (too deep a nesting) fails the node with admin's message; aborting the parent
terminates the child."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from flyteidl.admin import execution_pb2 as admin_execution_pb2
from flyteidl.core import execution_pb2, identifier_pb2, literals_pb2

from flightdeck_executor.service.ports import ChildStatus

USER = execution_pb2.ExecutionError.USER
CHILD_LP = identifier_pb2.Identifier(
    resource_type=identifier_pb2.LAUNCH_PLAN, project="p", domain="d", name="child", version="v1"
)
TRACE_HEAD = [
    ("workflow", "RUNNING"),
    ("node", "start-node", "SUCCEEDED"),
    ("node", "n0", "QUEUED"),
]


@dataclass
class ChildRecord:
    """What admin would hold: the children created, the phases their status reads answer in
    turn (the last one repeats), the terminations asked for."""

    answers: list[ChildStatus] = field(default_factory=list)
    refusal: str = ""
    created: list[tuple[Any, ...]] = field(default_factory=list)
    terminated: list[tuple[str, str]] = field(default_factory=list)
    terminating: asyncio.Event = field(default_factory=asyncio.Event)

    async def create(
        self,
        child: identifier_pb2.WorkflowExecutionIdentifier,
        launch_plan: identifier_pb2.Identifier,
        inputs: literals_pb2.LiteralMap,
        parent: identifier_pb2.NodeExecutionIdentifier,
        parent_spec: object,
    ) -> str:
        if self.refusal:
            return self.refusal
        self.created.append((child, launch_plan, inputs, parent, parent_spec))
        return ""

    async def status(self, child: identifier_pb2.WorkflowExecutionIdentifier) -> ChildStatus:
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]

    async def terminate(
        self, child: identifier_pb2.WorkflowExecutionIdentifier, cause: str
    ) -> None:
        self.terminated.append((child.name, cause))
        self.terminating.set()


def _launch_plan_flow(flow: Any) -> Any:
    """start → n0 (a launch-plan node taking x as ``a``) → end, ``y`` from its ``o``: the
    chain compiled with a task of that interface, the node then pointed at the launch plan."""
    closure = flow.chain(flow.succeeding("t_shape", o=0))
    node = next(n for n in closure.compiled_workflow.primary.template.nodes if n.id == "n0")
    node.ClearField("task_node")
    node.workflow_node.launchplan_ref.CopyFrom(CHILD_LP)
    return closure


def _outputs(o: int) -> literals_pb2.LiteralMap:
    outputs = literals_pb2.LiteralMap()
    outputs.literals["o"].scalar.primitive.integer = o
    return outputs


async def test_the_child_is_created_under_the_node_and_its_outputs_become_the_nodes(
    harness: Any, flow: Any, sink_class: Any
) -> None:
    children = ChildRecord(
        answers=[ChildStatus("RUNNING"), ChildStatus("SUCCEEDED", outputs=_outputs(99))]
    )
    harness.children = children
    run = await harness.submit(_launch_plan_flow(flow), x=5)
    run.created.spec.labels.values.update({"team": "a", "shard-key": "7"})
    sink = sink_class()

    await harness.drive(harness.driver(run, sink))

    assert sink.steps == [
        *TRACE_HEAD,
        ("node", "n0", "RUNNING"),
        ("node", "n0", "SUCCEEDED"),
        ("node", "end-node", "QUEUED"),
        ("node", "end-node", "SUCCEEDED"),
        ("workflow", "SUCCEEDING"),
        ("workflow", "SUCCEEDED"),
    ]
    ((child, launch_plan, inputs, parent, parent_spec),) = children.created
    assert launch_plan == CHILD_LP
    assert inputs.literals["a"].scalar.primitive.integer == 5
    assert (parent.node_id, parent.execution_id) == ("n0", run.created.execution_id)
    assert parent_spec is run.created.spec
    for phase in ("RUNNING", "SUCCEEDED"):
        event = sink.find(("node", "n0", phase)).request.event
        assert event.workflow_node_metadata.execution_id == child
    assert await harness.integer(harness.url("end-node", "data", "0", "outputs.pb"), "y") == 99


async def test_a_launch_admin_refuses_fails_the_node_with_its_message(
    harness: Any, flow: Any, sink_class: Any
) -> None:
    refusal = (
        "failed to launch workflow, caused by: rpc error: code = InvalidArgument desc = invalid "
        "value for spec.metadata.nesting: a child execution at nesting level 21 exceeds the "
        "maximum of 20"
    )
    harness.children = ChildRecord(refusal=refusal)
    run = await harness.submit(_launch_plan_flow(flow))
    sink = sink_class()

    await harness.drive(harness.driver(run, sink))

    assert sink.steps == [
        *TRACE_HEAD,
        ("node", "n0", "FAILED"),
        ("workflow", "FAILING"),
        ("workflow", "FAILED"),
    ]
    error = sink.find(("node", "n0", "FAILED")).request.event.error
    assert (error.code, error.message, error.kind) == ("RuntimeExecutionError", refusal, USER)
    assert sink.find(("workflow", "FAILED")).request.event.error == error


async def test_a_failed_or_aborted_child_fails_the_node_naming_the_child(
    harness: Any, flow: Any, sink_class: Any
) -> None:
    child_error = execution_pb2.ExecutionError(code="USER:ValueError", message="bad", kind=USER)
    outcomes = {
        "FAILED": (ChildStatus("FAILED", error=child_error), ("USER:ValueError", "bad")),
        "ABORTED": (ChildStatus("ABORTED"), ("RemoteChildWorkflowExecutionFailed", "aborted")),
    }
    for child_phase, (answer, (code, said)) in outcomes.items():
        harness.children = ChildRecord(answers=[answer])
        harness.store = type(harness.store)()
        run = await harness.submit(_launch_plan_flow(flow))
        sink = sink_class()

        await harness.drive(harness.driver(run, sink))

        failed = sink.find(("node", "n0", "FAILED")).request.event
        assert failed.error.code == code, child_phase
        assert said in failed.error.message
        assert failed.workflow_node_metadata.execution_id.name
        assert sink.steps[-1] == ("workflow", "FAILED")


async def test_aborting_the_parent_terminates_the_child(
    harness: Any, flow: Any, sink_class: Any
) -> None:
    children = ChildRecord(answers=[ChildStatus("RUNNING")])
    harness.children = children
    run = await harness.submit(_launch_plan_flow(flow))
    sink = sink_class()
    driver = harness.driver(run, sink)
    driving = harness.start(driver)
    await sink.wait_for(("node", "n0", "RUNNING"))

    driver.request_abort("not needed")
    await asyncio.wait_for(driving, 30)
    await asyncio.wait_for(children.terminating.wait(), 30)

    assert sink.steps[-2:] == [("node", "n0", "ABORTED"), ("workflow", "ABORTED")]
    child_name = children.created[0][0].name
    assert children.terminated == [
        (
            child_name,
            f"cascading abort as parent execution id [{run.created.execution_id.name}] "
            "aborted, reason [Workflow aborted.]",
        )
    ]
    assert isinstance(children.created[0][4], admin_execution_pb2.ExecutionSpec)

"""Launch-plan nodes: a child execution created through admin with this node as its parent,
watched until it ends; its outputs, failure or abort become the node's, every event after the
launch naming the child (spec/executor.md §3.4)."""

from __future__ import annotations

from flyteidl.core import execution_pb2, identifier_pb2, literals_pb2

from flightdeck_executor.domain import names
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import reporting
from flightdeck_executor.service.ports import CHILD_NOT_FOUND
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key

USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM


def child_id(rnd: Round, uid: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    parent = rnd.execution_id
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=parent.project,
        domain=parent.domain,
        name=names.child_execution_name(parent.name, uid, 0),
    )


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid = scope.uid(node_id)
    if node.phase == "QUEUED":
        await _launch(rnd, scope, node_id, node)
    else:
        await _watch(rnd, uid, node)


async def _launch(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid = scope.uid(node_id)
    inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
    launch_plan = scope.nodes[node_id].workflow_node.launchplan_ref
    parent = identifier_pb2.NodeExecutionIdentifier(node_id=uid, execution_id=rnd.execution_id)
    child = child_id(rnd, uid)
    problem = await rnd.engine.children.create(child, launch_plan, inputs, parent, rnd.created.spec)
    if problem:
        # Refused by admin (a bad input, the nesting bound...): no child exists to name.
        error = execution_pb2.ExecutionError(
            code="RuntimeExecutionError", message=problem, kind=USER
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
        return
    reporting.node_phase(rnd, uid, node, "RUNNING")
    _name_child(rnd, child)


async def _watch(rnd: Round, uid: str, node: NodeState) -> None:
    child = child_id(rnd, uid)
    status = await rnd.engine.children.status(child)
    if status.phase == "SUCCEEDED":
        key = join_key(node.data_dir, "0", "outputs.pb")
        await rnd.write_literals(key, status.outputs or literals_pb2.LiteralMap())
        reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=rnd.url(key))
    elif status.phase in ("FAILED", "TIMED_OUT"):
        error = status.error if isinstance(status.error, execution_pb2.ExecutionError) else None
        reporting.node_phase(rnd, uid, node, "FAILED", error=error or _child_failed(child))
    elif status.phase == "ABORTED":
        error = execution_pb2.ExecutionError(
            code="RemoteChildWorkflowExecutionFailed",
            message=f"launchplan [{child.name}] aborted",
            kind=USER,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
    elif status.phase == CHILD_NOT_FOUND:
        error = execution_pb2.ExecutionError(
            code="NotFound",
            message=f"launch-plan not found: child execution [{child.name}]: {status.error}",
            kind=SYSTEM,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
    else:
        return
    _name_child(rnd, child)


def _child_failed(
    child: identifier_pb2.WorkflowExecutionIdentifier,
) -> execution_pb2.ExecutionError:
    return execution_pb2.ExecutionError(
        code="LaunchPlanExecutionFailed", message=f"child {child.name} failed: Unknown Error"
    )


def _name_child(rnd: Round, child: identifier_pb2.WorkflowExecutionIdentifier) -> None:
    """The node event just emitted carries the child, so admin records it on the node."""
    request = rnd.events[-1][1]
    request.event.workflow_node_metadata.execution_id.CopyFrom(child)  # type: ignore[attr-defined]

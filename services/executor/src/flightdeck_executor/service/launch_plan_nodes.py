"""Launch-plan nodes: a child execution created through admin with this node as its parent,
watched until it ends; its outputs become the node's (spec/executor.md §3.4)."""

from __future__ import annotations

from flyteidl.core import execution_pb2, identifier_pb2, literals_pb2

from flightdeck_executor.domain import names
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import reporting
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key


def child_id(rnd: Round, uid: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    parent = rnd.execution_id
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=parent.project,
        domain=parent.domain,
        name=names.child_execution_name(parent.name, uid, 0),
    )


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid, child = scope.uid(node_id), child_id(rnd, scope.uid(node_id))
    children = rnd.engine.children
    if node.phase == "QUEUED":
        inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
        launch_plan = scope.nodes[node_id].workflow_node.launchplan_ref
        parent = identifier_pb2.NodeExecutionIdentifier(node_id=uid, execution_id=rnd.execution_id)
        problem = await children.create(child, launch_plan, inputs, parent, rnd.created.spec)
        if problem:
            _fail(rnd, uid, node, "LaunchPlanExecutionFailed", problem)
            return
        reporting.node_phase(rnd, uid, node, "RUNNING")
        request = rnd.events[-1][1]
        request.event.workflow_node_metadata.execution_id.CopyFrom(child)  # type: ignore[attr-defined]
        return
    status = await children.status(child)
    if status.phase == "SUCCEEDED":
        key = join_key(node.data_dir, "0", "outputs.pb")
        await rnd.write_literals(key, status.outputs or literals_pb2.LiteralMap())
        reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=rnd.url(key))
    elif status.phase in ("FAILED", "TIMED_OUT"):
        error = status.error if isinstance(status.error, execution_pb2.ExecutionError) else None
        if error is None:
            _fail(rnd, uid, node, "LaunchPlanExecutionFailed", f"child {child.name} failed")
        else:
            reporting.node_phase(rnd, uid, node, "FAILED", error=error)
    elif status.phase == "ABORTED":
        _fail(rnd, uid, node, "RemoteChildWorkflowExecutionFailed", f"child {child.name} aborted")


def _fail(rnd: Round, uid: str, node: NodeState, code: str, message: str) -> None:
    error = execution_pb2.ExecutionError(
        code=code, message=message, kind=execution_pb2.ExecutionError.USER
    )
    reporting.node_phase(rnd, uid, node, "FAILED", error=error)

"""Sub-workflow nodes: the child DAG runs under the node's attempt directory with the node as
its parent; the child's end-node outputs become the node's (spec/executor.md §3.3)."""

from __future__ import annotations

from flyteidl.core import execution_pb2

from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import nodes, reporting, scopes
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import END_NODE, Scope
from flightdeck_storage import join_key


def child_scope(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> Scope:
    reference = scope.nodes[node_id].workflow_node.sub_workflow_ref
    workflow = rnd.sub_workflows[task_key(reference)]
    return scopes.of_workflow(
        workflow,
        join_key(node.data_dir, "0"),
        parent=scope,
        parent_uid=scope.uid(node_id),
        parent_attempt=0,
        in_dynamic=scope.in_dynamic,
    )


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid = scope.uid(node_id)
    child = child_scope(rnd, scope, node_id, node)
    if node.phase == "QUEUED":
        inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
        await nodes.begin_scope(rnd, child, inputs)
        reporting.node_phase(rnd, uid, node, "RUNNING", is_parent=True)
        return
    result = await nodes.step_scope(rnd, child)
    if not result.done:
        return
    if result.error is not None:
        reporting.node_phase(rnd, uid, node, "FAILED", error=result.error, is_parent=True)
        return
    await finish_with_outputs(
        rnd, uid, node, join_key(child.data_dir(END_NODE), "0", "outputs.pb"), is_parent=True
    )


async def finish_with_outputs(
    rnd: Round, uid: str, node: NodeState, source_key: str, **flags: bool
) -> None:
    """Copies the nested scope's outputs to the node's ``P/outputs.pb`` and succeeds."""
    target = join_key(node.data_dir, "0", "outputs.pb")
    source = await rnd.read_optional(source_key)
    if source is None:
        error = execution_pb2.ExecutionError(
            code="SubWorkflowExecutionFailed",
            message=f"outputs of {uid} not found at {rnd.url(source_key)}",
            kind=execution_pb2.ExecutionError.SYSTEM,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error, **flags)
        return
    await rnd.engine.blobs.write(target, source)
    reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=rnd.url(target), **flags)

"""Branch nodes: the first true case picks a then-node, which runs as the branch's child; its
outputs become the branch's (spec/executor.md §3.5)."""

from __future__ import annotations

from flyteidl.core import execution_pb2, workflow_pb2

from flightdeck_executor.domain import branches
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import nodes, reporting, scopes, subworkflow_nodes
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key


def _then_nodes(branch: workflow_pb2.BranchNode) -> list[workflow_pb2.Node]:
    if_else = branch.if_else
    found = [if_else.case.then_node, *(other.then_node for other in if_else.other)]
    if if_else.HasField("else_node"):
        found.append(if_else.else_node)
    return found


def _child(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> Scope:
    branch = scope.nodes[node_id].branch_node
    chosen = next(n for n in _then_nodes(branch) if n.id == node.then_node)
    return scopes.of_single_node(
        chosen,
        join_key(node.data_dir, "0"),
        scope,
        parent_uid=scope.uid(node_id),
        parent_attempt=0,
        in_dynamic=scope.in_dynamic,
    )


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid = scope.uid(node_id)
    if not node.then_node:
        inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
        try:
            chosen = branches.choose_then_node(scope.nodes[node_id].branch_node, inputs)
        except branches.BranchFailed as failure:
            error = execution_pb2.ExecutionError(
                code=failure.code, message=failure.message, kind=failure.kind
            )
            reporting.node_phase(rnd, uid, node, "FAILED", error=error)
            return
        node.then_node = chosen.id
        await nodes.step_scope(rnd, _child(rnd, scope, node_id, node))
        reporting.node_phase(rnd, uid, node, "RUNNING")
        return
    child = _child(rnd, scope, node_id, node)
    result = await nodes.step_scope(rnd, child)
    if not result.done:
        return
    if result.error is not None:
        reporting.node_phase(rnd, uid, node, "FAILED", error=result.error)
        return
    then = rnd.state.nodes[child.uid(node.then_node)]
    source = rnd.engine.blobs.key_of(then.output_uri) if then.output_uri else ""
    await subworkflow_nodes.finish_with_outputs(rnd, uid, node, source)

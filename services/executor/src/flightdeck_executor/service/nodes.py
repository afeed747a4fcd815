"""Walking a scope: which nodes may start, starting them (inputs resolved and written before
QUEUED), and handing active nodes to the handler of their kind (spec/executor.md §3, §4)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from flyteidl.core import execution_pb2, literals_pb2, workflow_pb2

from flightdeck_executor.domain import bindings
from flightdeck_executor.domain.run_state import NODE_ACTIVE, NODE_DONE, NodeState
from flightdeck_executor.service import (
    array_nodes,
    branch_nodes,
    caching,
    gate_nodes,
    launch_plan_nodes,
    recovery,
    reporting,
    subworkflow_nodes,
    task_nodes,
)
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import END_NODE, START_NODE, Scope
from flightdeck_storage import join_key

Handler = Callable[[Round, Scope, str, NodeState], Awaitable[None]]
PARALLELISM_KINDS = frozenset({"task", "array", "launchplan"})


@dataclass(frozen=True)
class ScopeResult:
    done: bool
    error: execution_pb2.ExecutionError | None = None


async def step_scope(rnd: Round, scope: Scope) -> ScopeResult:
    for node_id in scope.order:
        if node_id == START_NODE:
            continue
        uid = scope.uid(node_id)
        node = rnd.state.nodes.get(uid)
        if node is None:
            if _ready(rnd, scope, node_id):
                await start(rnd, scope, node_id)
        elif node.phase in NODE_ACTIVE:
            await _handler(node.kind)(rnd, scope, node_id, node)
    return _result(rnd, scope)


def _result(rnd: Round, scope: Scope) -> ScopeResult:
    for node_id in scope.order:
        node = rnd.state.nodes.get(scope.uid(node_id))
        if node is not None and node.phase in ("FAILED", "TIMED_OUT"):
            return ScopeResult(done=True, error=reporting.node_error(node))
    if len(scope.nodes) == 1:
        only = rnd.state.nodes.get(scope.uid(scope.order[0]))
        return ScopeResult(done=only is not None and only.phase in NODE_DONE)
    end = rnd.state.nodes.get(scope.uid(END_NODE))
    return ScopeResult(done=end is not None and end.phase in NODE_DONE)


def _ready(rnd: Round, scope: Scope, node_id: str) -> bool:
    for upstream in scope.upstream.get(node_id, ()):
        node = rnd.state.nodes.get(scope.uid(upstream))
        if node is None or node.phase not in NODE_DONE:
            return False
    return True


def kind_of(node_id: str, node: workflow_pb2.Node) -> str:
    if node_id == END_NODE:
        return "end"
    target = node.WhichOneof("target")
    if target == "workflow_node":
        return "subworkflow" if node.workflow_node.HasField("sub_workflow_ref") else "launchplan"
    return {
        "task_node": "task",
        "branch_node": "branch",
        "gate_node": "gate",
        "array_node": "array",
    }.get(target or "", "unsupported")


def _over_parallelism(rnd: Round, kind: str) -> bool:
    limit = rnd.created.spec.max_parallelism
    if limit <= 0 or kind not in PARALLELISM_KINDS:
        return False
    active = sum(
        1
        for node in rnd.state.nodes.values()
        if node.kind in PARALLELISM_KINDS and node.phase in NODE_ACTIVE
    )
    return active >= limit


async def start(
    rnd: Round,
    scope: Scope,
    node_id: str,
    overrides: literals_pb2.LiteralMap | None = None,
) -> NodeState | None:
    spec = scope.nodes[node_id]
    kind = kind_of(node_id, spec)
    if _over_parallelism(rnd, kind):
        return None
    node = new_state(rnd, scope, node_id, kind)
    # Looked up before the node enters the state: a failed lookup leaves it unstarted.
    recovered = await recovery.recover(rnd, scope.uid(node_id), node)
    rnd.state.nodes[scope.uid(node_id)] = node
    if recovered:
        return node
    wiring = scope.outputs if kind == "end" else spec.inputs
    try:
        inputs = await resolve(rnd, scope, wiring)
    except bindings.BindingResolutionFailed as failure:
        error = execution_pb2.ExecutionError(
            code=failure.wire_code,
            message=failure.message,
            kind=execution_pb2.ExecutionError.SYSTEM,
        )
        reporting.node_phase(rnd, scope.uid(node_id), node, "FAILED", error=error)
        return node
    if overrides is not None:
        for name, literal in overrides.literals.items():
            inputs.literals[name].CopyFrom(literal)
    await rnd.write_literals(join_key(node.data_dir, "inputs.pb"), inputs)
    node.queued_at = rnd.now.timestamp()
    if kind == "task" and await caching.served_at_start(rnd, scope, node_id, node):
        return node
    reporting.node_phase(
        rnd,
        scope.uid(node_id),
        node,
        "QUEUED",
        is_parent=kind == "subworkflow",
        is_array=kind == "array",
    )
    if kind == "unsupported":
        error = execution_pb2.ExecutionError(
            code="UnsupportedNode", message=f"node {node_id} has no target the executor runs"
        )
        reporting.node_phase(rnd, scope.uid(node_id), node, "FAILED", error=error)
    return node


def new_state(rnd: Round, scope: Scope, node_id: str, kind: str) -> NodeState:
    spec = scope.nodes[node_id]
    task_id = ""
    if kind == "task":
        task_id = spec.task_node.reference_id.SerializeToString().hex()
    elif kind == "array" and spec.array_node.node.HasField("task_node"):
        task_id = spec.array_node.node.task_node.reference_id.SerializeToString().hex()
    return NodeState(
        kind=kind,
        spec_id=node_id,
        name=spec.metadata.name or node_id,
        depth=scope.depth,
        parent_uid="" if scope.top_level else scope.parent_uid,
        retry_group="" if scope.top_level else str(scope.parent_attempt),
        in_dynamic=scope.in_dynamic,
        task_id=task_id,
        data_dir=scope.data_dir(node_id),
    )


async def resolve(
    rnd: Round, scope: Scope, wiring: Iterable[literals_pb2.Binding]
) -> literals_pb2.LiteralMap:
    wired = list(wiring)
    outputs: dict[str, literals_pb2.LiteralMap] = {}
    for node_id in bindings.promised_nodes(wired):
        try:
            owner = scope.owner_of(node_id)
        except KeyError:
            raise bindings.BindingResolutionFailed(
                "BindingResolutionFailure", f"no node {node_id} upstream"
            ) from None
        upstream = rnd.state.nodes.get(owner.uid(node_id))
        if upstream is None or not upstream.output_uri:
            raise bindings.BindingResolutionFailed(
                "BindingResolutionFailure", f"node {node_id} has no outputs"
            )
        outputs[node_id] = await rnd.read_literals(rnd.engine.blobs.key_of(upstream.output_uri))
    return bindings.resolve_bindings(wired, outputs)


async def begin_scope(rnd: Round, scope: Scope, inputs: literals_pb2.LiteralMap) -> None:
    """Writes a scope's start-node outputs and reports the start node SUCCEEDED."""
    node = new_state(rnd, scope, START_NODE, "start")
    key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(key, inputs)
    rnd.state.nodes[scope.uid(START_NODE)] = node
    reporting.node_phase(rnd, scope.uid(START_NODE), node, "SUCCEEDED", output_uri=rnd.url(key))
    # The start node has no inputs of its own.
    request = rnd.events[-1][1]
    request.event.ClearField("input_uri")  # type: ignore[attr-defined]


async def _step_end(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
    key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(key, inputs)
    reporting.node_phase(rnd, scope.uid(node_id), node, "SUCCEEDED")
    node.output_uri = rnd.url(key)


async def _nothing(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    return None


def _handler(kind: str) -> Handler:
    # Looked up at call time: the kinds that nest scopes import this module themselves.
    handlers: dict[str, Handler] = {
        "end": _step_end,
        "task": task_nodes.step,
        "array": array_nodes.step,
        "branch": branch_nodes.step,
        "subworkflow": subworkflow_nodes.step,
        "gate": gate_nodes.step,
        "launchplan": launch_plan_nodes.step,
    }
    return handlers.get(kind, _nothing)


async def step_node(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    await _handler(node.kind)(rnd, scope, node_id, node)

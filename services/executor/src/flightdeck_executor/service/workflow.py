"""The workflow's own phases around its nodes: RUNNING once the start node's outputs are
written, SUCCEEDING then SUCCEEDED with the end node's outputs, FAILING while running nodes are
aborted and the failure node runs, then FAILED; ABORTED on termination (spec/executor.md §5)."""

from __future__ import annotations

from flyteidl.core import execution_pb2, literals_pb2, types_pb2

from flightdeck_executor.domain import events, protos
from flightdeck_executor.domain.run_state import NODE_TERMINAL
from flightdeck_executor.service import aborts, nodes
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import END_NODE, Scope
from flightdeck_storage import join_key


async def advance(rnd: Round, top: Scope) -> None:
    state = rnd.state
    if state.finished:
        return
    if rnd.abort_cause:
        aborts.abort_active(rnd, aborts.WORKFLOW_ABORTED)
        _workflow(rnd, "ABORTED")
        return
    if state.phase == "UNDEFINED":
        await _begin(rnd, top)
    elif state.phase == "RUNNING":
        await _run(rnd, top)
    elif state.phase == "SUCCEEDING":
        key = join_key(top.data_dir(END_NODE), "0", "outputs.pb")
        _workflow(rnd, "SUCCEEDED", output_uri=rnd.url(key))
    elif state.phase == "FAILING":
        await _fail(rnd, top)


def _workflow(rnd: Round, phase: str, **result: object) -> None:
    rnd.state.phase = phase
    error = result.get("error")
    rnd.emit(
        "workflow",
        events.workflow_event(
            rnd.execution_id,
            rnd.config.producer_id,
            phase,
            rnd.now,
            output_uri=str(result.get("output_uri", "")),
            error=error if isinstance(error, execution_pb2.ExecutionError) else None,
        ),
    )


async def _begin(rnd: Round, top: Scope) -> None:
    inputs = await rnd.read_literals(rnd.engine.blobs.key_of(rnd.created.inputs_uri))
    _workflow(rnd, "RUNNING")
    await nodes.begin_scope(rnd, top, inputs)


async def _run(rnd: Round, top: Scope) -> None:
    result = await nodes.step_scope(rnd, top)
    if not result.done:
        return
    if result.error is None:
        _workflow(rnd, "SUCCEEDING")
        return
    rnd.state.error = protos.encode(result.error)
    _workflow(rnd, "FAILING", error=result.error)


async def _fail(rnd: Round, top: Scope) -> None:
    error = protos.decode(rnd.state.error, execution_pb2.ExecutionError)
    failure_node = rnd.closure.primary.template.failure_node
    keep = frozenset({top.uid(failure_node.id)}) if failure_node.id else frozenset()
    if aborts.abort_active(rnd, aborts.AUTO_ABORT, keep):
        return
    if failure_node.id and not rnd.state.failure_node_started:
        rnd.state.failure_node_started = True
        takes_error = "err" in _failure_task_inputs(rnd, failure_node)
        overrides = _error_input(failure_node.id, error) if takes_error else None
        await nodes.start(rnd, top, failure_node.id, overrides)
        return
    if failure_node.id:
        node = rnd.state.nodes.get(top.uid(failure_node.id))
        if node is not None and node.phase not in NODE_TERMINAL:
            await nodes.step_node(rnd, top, failure_node.id, node)
            return
        if node is not None and node.phase == "FAILED":
            error = protos.decode(node.error, execution_pb2.ExecutionError)
    _workflow(rnd, "FAILED", error=error)


def _failure_task_inputs(rnd: Round, failure_node: object) -> set[str]:
    reference = failure_node.task_node.reference_id  # type: ignore[attr-defined]
    template = rnd.tasks.get(task_key(reference))
    return set(template.interface.inputs.variables) if template else set()


def _error_input(
    failure_node_id: str, error: execution_pb2.ExecutionError
) -> literals_pb2.LiteralMap:
    """The failure node's ``err``: a FlyteError union naming (as the reference does) the
    failure node itself as the failed node."""
    value = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(
            error=literals_pb2.Error(failed_node_id=failure_node_id, message=error.message)
        )
    )
    union = literals_pb2.Union(
        value=value,
        type=types_pb2.LiteralType(
            simple=types_pb2.ERROR, structure=types_pb2.TypeStructure(tag="FlyteError")
        ),
    )
    overrides = literals_pb2.LiteralMap()
    overrides.literals["err"].scalar.union.CopyFrom(union)
    return overrides

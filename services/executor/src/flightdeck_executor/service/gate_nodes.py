"""Gate nodes: sleep until the duration has passed since the node turned RUNNING; signal and
approve ask SignalService each round (GetOrCreateSignal creates what users see in
ListSignals) until a value is set (spec/executor.md §3.6)."""

from __future__ import annotations

from flyteidl.core import execution_pb2, literals_pb2, types_pb2, workflow_pb2

from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import reporting
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key

BOOLEAN = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid = scope.uid(node_id)
    spec = scope.nodes[node_id]
    if node.phase == "QUEUED":
        reporting.node_phase(rnd, uid, node, "RUNNING")
        return
    if _timed_out(rnd, spec, node):
        error = execution_pb2.ExecutionError(
            code="RetriesExhausted|TimeoutExpired",
            message=f"gate {node_id} timed out",
            kind=execution_pb2.ExecutionError.USER,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
        return
    gate = spec.gate_node
    condition = gate.WhichOneof("condition")
    if condition == "sleep":
        if (
            rnd.now.timestamp() - node.started_at
            >= gate.sleep.duration.ToTimedelta().total_seconds()
        ):
            reporting.node_phase(rnd, uid, node, "SUCCEEDED")
    elif condition == "signal":
        await _signal(rnd, uid, node, gate.signal)
    elif condition == "approve":
        await _approve(rnd, uid, node, gate.approve.signal_id)


def _timed_out(rnd: Round, spec: workflow_pb2.Node, node: NodeState) -> bool:
    if not spec.metadata.HasField("timeout"):
        return False
    limit = spec.metadata.timeout.ToTimedelta().total_seconds()
    return bool(limit) and rnd.now.timestamp() - node.started_at >= limit


async def _signal(
    rnd: Round, uid: str, node: NodeState, signal: workflow_pb2.SignalCondition
) -> None:
    value = await rnd.engine.signals.get_or_create(rnd.execution_id, signal.signal_id, signal.type)
    if value is None:
        return
    outputs = literals_pb2.LiteralMap()
    outputs.literals[signal.output_variable_name].CopyFrom(value)
    await _succeed(rnd, uid, node, outputs)


async def _approve(rnd: Round, uid: str, node: NodeState, signal_id: str) -> None:
    value = await rnd.engine.signals.get_or_create(rnd.execution_id, signal_id, BOOLEAN)
    if value is None:
        return
    if not value.scalar.primitive.HasField("boolean"):
        error = execution_pb2.ExecutionError(
            code="UnknownSignalValue", message=f"signal {signal_id} is not a boolean"
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
    elif value.scalar.primitive.boolean:
        await _succeed(
            rnd, uid, node, await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
        )
    else:
        error = execution_pb2.ExecutionError(
            code="ReceivedRejectSignal",
            message=f"approval {signal_id} was rejected",
            kind=execution_pb2.ExecutionError.USER,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)


async def _succeed(rnd: Round, uid: str, node: NodeState, outputs: literals_pb2.LiteralMap) -> None:
    key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(key, outputs)
    reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=rnd.url(key))

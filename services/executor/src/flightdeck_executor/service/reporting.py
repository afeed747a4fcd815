"""Event emission for handlers: each call records one transition's event in the round."""

from __future__ import annotations

from flyteidl.core import execution_pb2

from flightdeck_executor.domain import events, protos
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service.rounds import Round
from flightdeck_storage import join_key


def input_uri(rnd: Round, node: NodeState) -> str:
    return rnd.url(join_key(node.data_dir, "inputs.pb"))


def node_phase(rnd: Round, uid: str, node: NodeState, phase: str, **details: object) -> None:
    """Moves the node to ``phase`` and records its event (input URI always set)."""
    node.phase = phase
    if phase == "RUNNING" and not node.started_at:
        node.started_at = rnd.now.timestamp()
    error = details.get("error")
    if isinstance(error, execution_pb2.ExecutionError):
        node.error = protos.encode(error)
    output_uri = details.get("output_uri")
    if isinstance(output_uri, str) and output_uri:
        node.output_uri = output_uri
    fields = {"input_uri": input_uri(rnd, node), **details}
    request = events.node_event(
        rnd.ref(uid, node),
        rnd.config.producer_id,
        phase,
        rnd.now,
        events.NodeDetails(**fields),  # type: ignore[arg-type]
    )
    rnd.emit("node", request)


def task_phase(
    rnd: Round, uid: str, node: NodeState, phase: str, details: events.TaskDetails
) -> None:
    rnd.emit(
        "task",
        events.task_event(rnd.ref(uid, node), rnd.config.producer_id, phase, rnd.now, details),
    )


def node_error(node: NodeState) -> execution_pb2.ExecutionError:
    return protos.decode(node.error, execution_pb2.ExecutionError)

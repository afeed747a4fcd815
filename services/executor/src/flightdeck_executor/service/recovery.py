"""Recovery mode (RecoverExecution): before a node starts, the same node of the recovery
source is looked up; one that SUCCEEDED there (or was RECOVERED) is not run again. Its inputs
and outputs are copied into this run's data and it is reported RECOVERED in one event, naming
the source's cache outcome or child execution, with no task execution (spec/executor.md §3,
as propeller's ``attemptRecovery``)."""

from __future__ import annotations

from flyteidl.admin import node_execution_pb2
from flyteidl.core import literals_pb2

from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import reporting
from flightdeck_executor.service.ports import RecoveredNode
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import END_NODE, START_NODE
from flightdeck_storage import ForeignLocation, InvalidKey, join_key

NOT_RECOVERED = frozenset({START_NODE, END_NODE})
"""The start node has no inputs to recover; the end node only copies its inputs, and the
source's end node records no outputs to copy (its outputs are the execution's)."""


async def recover(rnd: Round, uid: str, node: NodeState) -> bool:
    """True when the node was recovered (its RECOVERED event emitted); then it must not start.
    Nothing is changed when it is not."""
    if not rnd.created.HasField("recovery_source") or node.spec_id in NOT_RECOVERED:
        return False
    found = await rnd.engine.recovery.succeeded_node(rnd.created.recovery_source, uid)
    if found is None:
        return False
    await rnd.write_literals(
        join_key(node.data_dir, "inputs.pb"), await _literals(rnd, found.inputs, found.input_uri)
    )
    key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(key, await _literals(rnd, found.outputs, found.output_uri))
    reporting.node_phase(
        rnd,
        uid,
        node,
        "RECOVERED",
        output_uri=rnd.url(key),
        deck_uri=await _deck(rnd, found.deck_uri),
        is_parent=node.kind == "subworkflow",
        is_array=node.kind == "array",
    )
    _source_metadata(rnd, found)
    return True


async def _literals(
    rnd: Round, inline: literals_pb2.LiteralMap | None, uri: str
) -> literals_pb2.LiteralMap:
    """Admin's inline copy, else the source's file; a node without outputs has neither."""
    if inline is not None:
        return inline
    if not uri:
        return literals_pb2.LiteralMap()
    return await rnd.read_literals(rnd.engine.blobs.key_of(uri))


async def _deck(rnd: Round, deck_uri: str) -> str:
    """The source's deck, named only while it still exists."""
    if not deck_uri:
        return ""
    try:
        key = rnd.engine.blobs.key_of(deck_uri)
    except (ForeignLocation, InvalidKey):
        return ""  # outside the store this executor can look into
    return deck_uri if await rnd.engine.blobs.exists(key) else ""


def _source_metadata(rnd: Round, found: RecoveredNode) -> None:
    """The task node's cache outcome or the launch-plan node's child, as the source had them."""
    event = rnd.events[-1][1].event  # type: ignore[attr-defined]
    source = found.task_node_metadata
    if isinstance(source, node_execution_pb2.TaskNodeMetadata):
        event.task_node_metadata.cache_status = source.cache_status
        if source.HasField("catalog_key"):
            event.task_node_metadata.catalog_key.CopyFrom(source.catalog_key)
    elif found.child_execution is not None:
        event.workflow_node_metadata.execution_id.CopyFrom(found.child_execution)

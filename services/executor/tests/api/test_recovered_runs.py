"""A recovered run (RecoverExecution) through RunDriver with real processes: nodes that
succeeded in the source are reported RECOVERED with the source's data and never launched,
the rest run; admin's record of the source is a fake on the RecoverySource port."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flyteidl.admin import node_execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2, literals_pb2

from flightdeck_executor.service.ports import RecoveredNode

SOURCE = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="source")


def _integers(**values: int) -> literals_pb2.LiteralMap:
    literals = literals_pb2.LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


@dataclass
class SourceRecord:
    """Admin's answer per node of the source; a node not listed did not succeed there.
    ``outages`` look-ups of a node fail first (admin out of reach)."""

    nodes: dict[str, RecoveredNode]
    outages: dict[str, int] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    async def succeeded_node(
        self, source: identifier_pb2.WorkflowExecutionIdentifier, node_id: str
    ) -> RecoveredNode | None:
        assert source == SOURCE
        self.asked.append(node_id)
        if self.outages.get(node_id, 0):
            self.outages[node_id] -= 1
            raise ConnectionError("admin unavailable")
        return self.nodes.get(node_id)


async def _source(harness: Any) -> dict[str, RecoveredNode]:
    """n0 with its data inline in admin's answer, n1 only by the source's files."""
    await harness.blobs.write("source/n1/inputs.pb", _integers(a=10).SerializeToString())
    await harness.blobs.write("source/n1/outputs.pb", _integers(o=20).SerializeToString())
    cached = node_execution_pb2.TaskNodeMetadata(cache_status=catalog_pb2.CACHE_POPULATED)
    cached.catalog_key.dataset_id.name = "flyte_task-t_first"
    return {
        "n0": RecoveredNode(
            inputs=_integers(a=7),
            outputs=_integers(o=10),
            input_uri="",
            output_uri="",
            task_node_metadata=cached,
        ),
        "n1": RecoveredNode(
            inputs=None,
            outputs=None,
            input_uri=harness.blobs.native_url("source/n1/inputs.pb"),
            output_uri=harness.blobs.native_url("source/n1/outputs.pb"),
        ),
    }


def _chain(flow: Any, marks: Path) -> Any:
    return flow.chain(
        flow.succeeding("t_first", o=1, marker=marks / "t_first"),
        flow.succeeding("t_second", o=2, marker=marks / "t_second"),
        flow.succeeding("t_third", o=30, marker=marks / "t_third"),
    )


async def test_succeeded_nodes_are_recovered_and_only_the_rest_runs(
    harness: Any, flow: Any, traces: Any, sink_class: Any, tmp_path: Path
) -> None:
    harness.recovery = SourceRecord(await _source(harness))
    run = await harness.submit(_chain(flow, tmp_path), x=7, recovery_source=SOURCE)
    sink = sink_class()

    await harness.drive(harness.driver(run, sink))

    assert sink.steps == [
        ("workflow", "RUNNING"),
        ("node", "start-node", "SUCCEEDED"),
        ("node", "n0", "RECOVERED"),
        ("node", "n1", "RECOVERED"),
        *traces.task_node("n2"),
        ("node", "end-node", "QUEUED"),
        ("node", "end-node", "SUCCEEDED"),
        ("workflow", "SUCCEEDING"),
        ("workflow", "SUCCEEDED"),
    ]
    assert not (tmp_path / "t_first").exists() and not (tmp_path / "t_second").exists()
    assert (tmp_path / "t_third").read_text() == "0\n", "the failed node ran, once"
    n0 = sink.find(("node", "n0", "RECOVERED")).request.event
    assert n0.input_uri == harness.url("n0", "data", "inputs.pb")
    assert n0.output_uri == harness.url("n0", "data", "0", "outputs.pb")
    assert n0.task_node_metadata.cache_status == catalog_pb2.CACHE_POPULATED
    assert n0.task_node_metadata.catalog_key.dataset_id.name == "flyte_task-t_first"
    assert await harness.integer(n0.output_uri, "o") == 10
    n1 = sink.find(("node", "n1", "RECOVERED")).request.event
    assert await harness.integer(n1.input_uri, "a") == 10
    assert await harness.integer(n1.output_uri, "o") == 20
    assert await harness.integer(harness.url("n2", "data", "inputs.pb"), "a") == 20
    assert await harness.integer(harness.url("end-node", "data", "0", "outputs.pb"), "y") == 30
    assert harness.recovery.asked == ["n0", "n1", "n2"], "the end node is never looked up"


async def test_a_failed_look_up_leaves_no_half_round_behind(
    harness: Any, flow: Any, sink_class: Any, tmp_path: Path
) -> None:
    """n1's look-up fails once after n0 was recovered in the same round: the round is decided
    again from the saved state, so n0's RECOVERED is sent exactly once."""
    harness.recovery = SourceRecord(await _source(harness), outages={"n1": 1})
    run = await harness.submit(_chain(flow, tmp_path), recovery_source=SOURCE)
    sink = sink_class()

    await harness.drive(harness.driver(run, sink))

    assert sink.steps.count(("node", "n0", "RECOVERED")) == 1
    assert sink.steps.count(("node", "n1", "RECOVERED")) == 1
    assert harness.recovery.asked[:3] == ["n0", "n1", "n0"]
    assert sink.steps[-1] == ("workflow", "SUCCEEDED")
    assert not (tmp_path / "t_first").exists()

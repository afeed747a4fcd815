from __future__ import annotations

from flightdeck_console.domain.changes import PhaseChange, Scope, from_feed
from flightdeck_console.service.fanout import Fanout
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2


def change(name: str = "r1", project: str = "p", phase: str = "RUNNING") -> PhaseChange:
    message = events_pb2.ExecutionPhaseChanged(
        entity=events_pb2.ExecutionPhaseChanged.NODE, node_id="n0", phase=phase
    )
    message.execution_id.project, message.execution_id.domain = project, "development"
    message.execution_id.name = name
    message.occurred_at.FromSeconds(1)
    return from_feed(message)


def test_a_change_becomes_the_json_browsers_read() -> None:
    assert change().to_json() == {
        "executionId": {"project": "p", "domain": "development", "name": "r1"},
        "entity": "node",
        "nodeId": "n0",
        "retryAttempt": 0,
        "phase": "RUNNING",
        "previousPhase": "",
        "occurredAt": "1970-01-01T00:00:01Z",
        "terminal": False,
    }


def test_each_subscriber_gets_only_its_scope() -> None:
    fanout = Fanout()
    with (
        fanout.subscribe(Scope("p", "development", "r1")) as one,
        fanout.subscribe(Scope("p")) as project,
        fanout.subscribe(Scope()) as everything,
    ):
        fanout.publish([change("r1"), change("r2"), change("r3", project="q")])
        assert [c.name for c in _drain(one.queue)] == ["r1"]
        assert [c.name for c in _drain(project.queue)] == ["r1", "r2"]
        assert [c.name for c in _drain(everything.queue)] == ["r1", "r2", "r3"]
    assert fanout.subscribers == 0


def test_a_slow_subscriber_is_told_to_resync_instead_of_growing() -> None:
    fanout = Fanout(queue_size=2)
    with fanout.subscribe(Scope()) as slow:
        fanout.publish([change(str(i)) for i in range(5)])
        assert slow.queue.qsize() == 2
        assert slow.overflowed


def _drain(queue: object) -> list[PhaseChange]:
    items = []
    while not queue.empty():  # type: ignore[attr-defined]
        items.append(queue.get_nowait())  # type: ignore[attr-defined]
    return items

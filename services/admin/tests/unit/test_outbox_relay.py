"""The relay's retry budget, on the in-memory store: a message that keeps failing is counted,
skipped, and parked at the budget while the others are delivered; a dependency being down
counts against nothing; an execution's commands never overtake one another; the gauges report
the backlog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from prometheus_client import REGISTRY

from flightdeck_admin.domain import outbox
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_admin.service.outbox import Outbox
from flightdeck_admin.store.executions_memory import InMemoryExecutionStore
from flightdeck_platform import faults
from flightdeck_storage import LocalObjectStore

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
QUEUED = NOW - timedelta(minutes=2)
NO_GRACE = timedelta(0)


def _id(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name=name)


def _record(name: str, queued_at: datetime = QUEUED) -> ExecutionRecord:
    execution = execution_pb2.Execution(id=_id(name))
    launch = outbox.Launch(execution.spec.launch_plan, "file:///i", "file:///w", ())
    return ExecutionRecord(
        execution, pending_messages=(outbox.execution_created(execution, launch, queued_at),)
    )


class ScriptedPublisher:
    """Publishes everything except the executions named in ``failing``, which raise the given
    error."""

    def __init__(self) -> None:
        self.published: list[str] = []
        self.failing: dict[str, Exception] = {}
        self.calls = 0

    async def publish(self, execution_id, message: OutboxMessage) -> None:  # type: ignore[no-untyped-def]
        self.calls += 1
        if execution_id.name in self.failing:
            raise self.failing[execution_id.name]
        self.published.append(f"{execution_id.name}:{message.kind}")


@pytest.fixture
def store() -> InMemoryExecutionStore:
    return InMemoryExecutionStore()


@pytest.fixture
def publisher() -> ScriptedPublisher:
    return ScriptedPublisher()


@pytest.fixture
def relay(store: InMemoryExecutionStore, publisher: ScriptedPublisher, tmp_path: Path) -> Outbox:
    return Outbox(store, publisher, LocalObjectStore(tmp_path), clock=lambda: NOW, max_attempts=3)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_failed_delivery_counts_and_parks_at_the_budget() -> None:
    (message,) = _record("a").pending_messages
    once = outbox.failed_delivery(message, "refused", 3, NOW)
    assert (once.attempts, once.last_error, once.parked_at) == (1, "refused", None)
    twice = outbox.failed_delivery(once, "refused again", 3, NOW)
    assert (twice.attempts, twice.parked_at) == (2, None)
    spent = outbox.failed_delivery(twice, "x" * 10_000, 3, NOW)
    assert (spent.attempts, spent.parked_at) == (3, NOW)
    assert len(spent.last_error) == outbox.MAX_ERROR_CHARS, "a huge error is cut"


def test_a_budget_of_no_attempts_is_refused(store: InMemoryExecutionStore, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Outbox(store, ScriptedPublisher(), LocalObjectStore(tmp_path), max_attempts=0)


async def test_a_failing_message_is_skipped_counted_then_parked(
    store: InMemoryExecutionStore, publisher: ScriptedPublisher, relay: Outbox
) -> None:
    for name in ("a-poisoned", "b", "c"):
        await store.insert(_record(name), QUEUED)
    publisher.failing["a-poisoned"] = ValueError("command refused")
    parked_before = _sample("flightdeck_admin_outbox_parked_total")

    assert await relay.relay_once(NO_GRACE) == 2
    assert publisher.published == ["b:ExecutionCreated", "c:ExecutionCreated"]
    (due,) = await store.pending(NOW, 10)
    assert [m.attempts for m in due.pending_messages] == [1]
    assert due.pending_messages[0].last_error == "ValueError: command refused"

    assert await relay.relay_once(NO_GRACE) == 0
    assert await relay.relay_once(NO_GRACE) == 0
    assert await store.pending(NOW, 10) == []
    (parked,) = (await store.get(_id("a-poisoned"))).parked_messages
    assert (parked.attempts, parked.parked_at) == (3, NOW)
    assert (await store.get(_id("a-poisoned"))).pending_messages == ()
    assert _sample("flightdeck_admin_outbox_parked_total") - parked_before == 1


async def test_an_unavailable_dependency_counts_nothing_and_ends_the_pass(
    store: InMemoryExecutionStore, publisher: ScriptedPublisher, relay: Outbox
) -> None:
    for name in ("a", "b"):
        await store.insert(_record(name), QUEUED)
    publisher.failing = {name: faults.Unavailable("broker down") for name in ("a", "b")}
    transient_before = _sample("flightdeck_admin_outbox_relay_failures_total", kind="transient")

    for _ in range(5):
        assert await relay.relay_once(NO_GRACE) == 0

    due = await store.pending(NOW, 10)
    assert [m.attempts for r in due for m in r.pending_messages] == [0, 0]
    transient = _sample("flightdeck_admin_outbox_relay_failures_total", kind="transient")
    assert transient - transient_before == 5, "one per pass: the pass stops at the first"
    publisher.failing = {}
    assert await relay.relay_once(NO_GRACE) == 2, "delivered once the broker is back"


async def test_a_termination_never_overtakes_its_failing_creation(
    store: InMemoryExecutionStore, publisher: ScriptedPublisher, relay: Outbox
) -> None:
    await store.insert(_record("a"), QUEUED)
    abort = execution_pb2.AbortMetadata(cause="stop")
    termination = outbox.termination_requested(_id("a"), abort, QUEUED)
    assert await store.request_abort(_id("a"), abort, termination, QUEUED)
    publisher.failing = {"a": ValueError("refused")}

    await relay.relay_once(NO_GRACE)
    await relay.relay_once(NO_GRACE)
    assert publisher.published == [], "the termination waits behind its creation"
    await relay.relay_once(NO_GRACE)
    publisher.failing = {}
    await relay.relay_once(NO_GRACE)
    assert publisher.published == ["a:ExecutionTerminationRequested"], "flows once it is parked"
    assert [m.kind for m in (await store.get(_id("a"))).parked_messages] == [
        outbox.EXECUTION_CREATED
    ]


async def test_a_stale_count_is_not_written(store: InMemoryExecutionStore) -> None:
    """Two relays that read the same attempt count: the second one's write is refused, so an
    attempt is counted once however many replicas made it at the same moment."""
    await store.insert(_record("a"), QUEUED)
    (message,) = (await store.get(_id("a"))).pending_messages
    counted = outbox.failed_delivery(message, "refused", 3, NOW)
    assert await store.record_failure(_id("a"), message, counted)
    assert not await store.record_failure(_id("a"), message, counted)
    assert [m.attempts for m in (await store.get(_id("a"))).pending_messages] == [1]


async def test_the_gauges_report_the_backlog_and_its_oldest_age(
    store: InMemoryExecutionStore, publisher: ScriptedPublisher, relay: Outbox
) -> None:
    await store.insert(_record("old", NOW - timedelta(seconds=90)), NOW)
    await store.insert(_record("new", NOW - timedelta(seconds=30)), NOW)
    publisher.failing = {"old": ValueError("refused"), "new": ValueError("refused")}

    await relay.relay_once(NO_GRACE)
    assert _sample("flightdeck_admin_outbox_backlog_messages") == 2
    assert _sample("flightdeck_admin_outbox_oldest_pending_age_seconds") == 90

    publisher.failing = {}
    await relay.relay_once(NO_GRACE)
    assert _sample("flightdeck_admin_outbox_backlog_messages") == 0
    assert _sample("flightdeck_admin_outbox_oldest_pending_age_seconds") == 0


async def test_while_the_broker_is_away_requests_leave_their_messages_to_the_relay_at_once(
    store: InMemoryExecutionStore, publisher: ScriptedPublisher, relay: Outbox
) -> None:
    publisher.failing = {name: faults.Unavailable("broker down") for name in ("a", "b")}
    for name in ("a", "b"):
        record = _record(name)
        await store.insert(record, QUEUED)
        await relay.try_deliver(_id(name), record.pending_messages)
    assert publisher.calls == 1, "the second request did not wait on the broker"

    publisher.failing = {}
    skipped = _record("c")
    await store.insert(skipped, QUEUED)
    await relay.try_deliver(_id("c"), skipped.pending_messages)
    assert (publisher.published, publisher.calls) == ([], 1), "left to the relay"

    assert await relay.relay_once(NO_GRACE) == 3
    inline = _record("d")
    await store.insert(inline, QUEUED)
    await relay.try_deliver(_id("d"), inline.pending_messages)
    assert publisher.published[-1] == "d:ExecutionCreated", "back inline once delivered"

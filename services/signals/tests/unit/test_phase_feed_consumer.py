"""Retention's feed subscriber on FastStream's in-memory Kafka broker (the same subscriber runs
on real Kafka in tests/integration/test_signals_phase_feed.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from flyteidl.core import identifier_pb2
from prometheus_client import REGISTRY

from flightdeck_platform import phase_feed
from flightdeck_platform.settings import PhaseFeedSettings
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_signals.consumers import phase_changes
from flightdeck_signals.domain.errors import StoreUnavailable
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.store.memory import InMemorySignalStore

TOPIC = "flightdeck.execution-phases"
OCCURRED = datetime(2024, 3, 1, 12, tzinfo=UTC)
PERIOD = timedelta(hours=1)
FEED = PhaseFeedSettings(consumer_group="group", max_batch=10, batch_wait_ms=10)


def _ended(name: str) -> bytes:
    change = events_pb2.ExecutionPhaseChanged(
        entity=events_pb2.ExecutionPhaseChanged.WORKFLOW,
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project="flytesnacks", domain="development", name=name
        ),
        phase="SUCCEEDED",
        terminal=True,
    )
    change.occurred_at.FromDatetime(OCCURRED)
    return change.SerializeToString()


def _count(outcome: str) -> float:
    sample = REGISTRY.get_sample_value(
        "flightdeck_signals_phase_feed_records_total", {"outcome": outcome}
    )
    return sample or 0.0


class _UnreachableStore(InMemorySignalStore):
    async def mark_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        raise StoreUnavailable("redis is unavailable")


async def test_ended_executions_are_marked_and_unreadable_records_passed_over() -> None:
    store = InMemorySignalStore()
    retention = Retention(store, PERIOD, clock=lambda: OCCURRED + PERIOD)
    broker = KafkaBroker()
    phase_feed.subscribe(broker, TOPIC, FEED, phase_changes.retention_reader(retention))
    before = _count("unreadable")
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish_batch(
            _ended("a"), b"\xff\xffnot protobuf", _ended("b"), topic=TOPIC
        )
    assert _count("unreadable") == before + 1
    assert await retention.sweep() == 2


async def test_a_failed_mark_fails_the_batch_so_it_is_delivered_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(phase_feed, "RETRY_PAUSE_SECONDS", 0)
    retention = Retention(_UnreachableStore(), PERIOD)
    broker = KafkaBroker()
    phase_feed.subscribe(broker, TOPIC, FEED, phase_changes.retention_reader(retention))
    async with TestKafkaBroker(broker) as test_broker:
        with pytest.raises(StoreUnavailable):
            await test_broker.publish_batch(_ended("a"), topic=TOPIC)

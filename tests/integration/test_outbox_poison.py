"""A message admin's outbox can never deliver does not hold up the others (real Kafka and
FerretDB): the relay counts its failed attempts on the message itself, parks it with its error
once the budget is spent, and delivers every other message owed. An unreachable broker, on the
other hand, parks nothing: an outage is not the messages' fault.

Each test has its own topic (admin publishes there instead of the executors' topic, so no
executor of the shared stack sees these commands), database and object-store root."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import TopicPartition
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from prometheus_client import REGISTRY
from pymongo import AsyncMongoClient

from flightdeck_admin.domain import outbox
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.messaging.kafka import KafkaCommandPublisher
from flightdeck_admin.service.outbox import Outbox
from flightdeck_admin.store import indexes
from flightdeck_admin.store.executions import MongoExecutionStore
from flightdeck_storage import LocalObjectStore

from .test_execution_outbox import _free_port

pytestmark = pytest.mark.integration

NO_GRACE = timedelta(0)
QUEUED_AT = datetime.now(UTC) - timedelta(minutes=1)
OVERSIZED_BYTES = 2 * 1024 * 1024
"""Twice the producer's default max_request_size: Kafka refuses the command whatever happens."""
MAX_PASSES = 20
"""Bounds the loop "relay until nothing is due": ample for the default budget of attempts."""
HEALTHY = 4
PARTITIONS = 2


@dataclass
class Isolated:
    topic: str
    store: MongoExecutionStore
    blobs: LocalObjectStore
    bootstrap: str


@pytest.fixture
async def isolated(kafka_bootstrap: str, mongo_url: str, tmp_path: Path) -> AsyncIterator[Isolated]:
    run = uuid.uuid4().hex[:8]
    topic = f"test-{run}.outbox-commands"
    kafka_admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await kafka_admin.start()
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    database = client[f"outbox_poison_{run}"]
    try:
        await kafka_admin.create_topics(
            [NewTopic(topic, num_partitions=PARTITIONS, replication_factor=1)]
        )
        await indexes.apply(database)
        store = MongoExecutionStore.of(database)
        yield Isolated(topic, store, LocalObjectStore(tmp_path / "storage"), kafka_bootstrap)
    finally:
        await kafka_admin.delete_topics([topic])
        await kafka_admin.close()
        await client.drop_database(database.name)
        await client.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    started = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
    )
    await started.start()
    try:
        yield started
    finally:
        await started.stop()


def _execution(name: str) -> execution_pb2.Execution:
    execution = execution_pb2.Execution(
        id=identifier_pb2.WorkflowExecutionIdentifier(
            project="poison", domain="development", name=name
        )
    )
    execution.spec.launch_plan.name = "lp"
    execution.closure.created_at.FromDatetime(QUEUED_AT)
    return execution


def _owed(
    name: str, blobs: tuple[outbox.Blob, ...] = (), spec: execution_pb2.ExecutionSpec | None = None
) -> ExecutionRecord:
    """An execution whose ExecutionCreated a crash left unpublished."""
    execution = _execution(name)
    launch = outbox.Launch(execution.spec.launch_plan, "file:///i", "file:///w", blobs, spec=spec)
    message = outbox.execution_created(execution, launch, QUEUED_AT)
    return ExecutionRecord(execution, "file:///i", "file:///u", (message,))


def _names_poisoned_first(count: int) -> list[str]:
    """Names ordered by their message ids, the order the relay meets them in: the poisoned
    executions take the first names, so everything else queues behind them."""
    names = [f"run-{uuid.uuid4().hex[:8]}" for _ in range(count)]
    return sorted(
        names, key=lambda n: outbox.message_id(outbox.EXECUTION_CREATED, _execution(n).id)
    )


def _oversized_spec() -> execution_pb2.ExecutionSpec:
    spec = execution_pb2.ExecutionSpec()
    spec.annotations.values["notes"] = "x" * OVERSIZED_BYTES
    return spec


async def _seed(store: MongoExecutionStore) -> tuple[list[ExecutionRecord], list[ExecutionRecord]]:
    """Two poisoned executions (a command Kafka refuses, a blob key the object store refuses)
    and the healthy ones behind them."""
    names = _names_poisoned_first(2 + HEALTHY)
    poisoned = [
        _owed(names[0], spec=_oversized_spec()),
        _owed(names[1], blobs=(outbox.Blob("../outside/inputs.pb", b"inputs"),)),
    ]
    healthy = [
        _owed(name, blobs=(outbox.Blob(f"metadata/poison/{name}/inputs.pb", b"inputs"),))
        for name in names[2:]
    ]
    for record in [*poisoned, *healthy]:
        await store.insert(record, QUEUED_AT)
    return poisoned, healthy


async def _published(bootstrap: str, topic: str) -> list[str]:
    """The message ids on ``topic``, duplicates included."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in range(PARTITIONS)]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[str] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            for records in (await consumer.getmany(timeout_ms=1000)).values():
                found += [dict(r.headers)["message_id"].decode() for r in records]
        return found
    finally:
        await consumer.stop()


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_poisoned_message_is_parked_and_the_others_are_delivered(
    isolated: Isolated, producer: AIOKafkaProducer
) -> None:
    store = isolated.store
    poisoned, healthy = await _seed(store)
    relay = Outbox(store, KafkaCommandPublisher(producer, isolated.topic), isolated.blobs)
    parked_before = _sample("flightdeck_admin_outbox_parked_total")
    permanent_before = _sample("flightdeck_admin_outbox_relay_failures_total", kind="permanent")

    passes = 0
    while await store.pending(datetime.now(UTC), 100) and passes < MAX_PASSES:
        await relay.relay_once(NO_GRACE)
        passes += 1

    assert await store.pending(datetime.now(UTC), 100) == [], f"still due after {passes} passes"
    published = set(await _published(isolated.bootstrap, isolated.topic))
    for record in healthy:
        (message,) = record.pending_messages
        assert message.message_id in published
        assert (await store.get(record.execution.id)).pending_messages == ()
        name = record.execution.id.name
        assert await isolated.blobs.read(f"metadata/poison/{name}/inputs.pb") == b"inputs"
    budget = outbox.DEFAULT_DELIVERY_ATTEMPTS
    for record, error in zip(poisoned, ("MessageSizeTooLarge", "invalid object key"), strict=True):
        (message,) = record.pending_messages
        assert message.message_id not in published
        stored = await store.get(record.execution.id)
        assert stored.pending_messages == (), "parked, so no longer owed"
        (parked,) = stored.parked_messages
        assert parked.message_id == message.message_id
        assert parked.attempts == budget
        assert parked.parked_at is not None
        assert error in parked.last_error
    assert passes == budget, "one counted attempt a pass, parked at the budget"
    assert _sample("flightdeck_admin_outbox_parked_total") - parked_before == 2
    permanent = _sample("flightdeck_admin_outbox_relay_failures_total", kind="permanent")
    assert permanent - permanent_before == 2 * budget


async def test_an_unreachable_broker_parks_nothing(isolated: Isolated) -> None:
    store = isolated.store
    healthy = [_owed(f"run-{uuid.uuid4().hex[:8]}") for _ in range(3)]
    for record in healthy:
        await store.insert(record, QUEUED_AT)
    unreachable = AIOKafkaProducer(bootstrap_servers=f"127.0.0.1:{_free_port()}")
    publisher = KafkaCommandPublisher(unreachable, isolated.topic, timeout=timedelta(seconds=1))
    relay = Outbox(store, publisher, isolated.blobs, max_attempts=2)
    transient_before = _sample("flightdeck_admin_outbox_relay_failures_total", kind="transient")
    parked_before = _sample("flightdeck_admin_outbox_parked_total")

    try:
        for _ in range(4):
            assert await relay.relay_once(NO_GRACE) == 0
    finally:
        await unreachable.stop()

    due = await store.pending(datetime.now(UTC), 100)
    assert len(due) == len(healthy), "every message still owed"
    for record in due:
        assert [m.attempts for m in record.pending_messages] == [0]
        assert record.parked_messages == ()
    transient = _sample("flightdeck_admin_outbox_relay_failures_total", kind="transient")
    assert transient - transient_before == 4, "each pass stops at the first unreachable publish"
    assert _sample("flightdeck_admin_outbox_parked_total") == parked_before

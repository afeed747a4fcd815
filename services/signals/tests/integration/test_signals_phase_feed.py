"""Retention fed by the execution phase feed, on the stack's Kafka and Redis: protobuf records
on a prefixed topic, the consumer as the composition root wires it, run in-process."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, types_pb2
from redis.asyncio import Redis

from flightdeck_platform import readiness
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_topics import TopicMissing
from flightdeck_platform.settings import (
    KafkaSettings,
    PhaseFeedSettings,
    PhaseFeedTopicSettings,
    RedisSettings,
    ServerSettings,
)
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics
from flightdeck_signals.domain.errors import StoreUnavailable
from flightdeck_signals.server import retention_feed, wired
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.settings import SignalsSettings, SignalStoreSettings
from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore

pytestmark = pytest.mark.integration

Change = events_pb2.ExecutionPhaseChanged
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
ENDED_AT = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)


def _execution(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project="flytesnacks", domain="development", name=name
    )


def _change(name: str, entity: Any, phase: str, terminal: bool) -> Change:
    change = Change(entity=entity, execution_id=_execution(name), phase=phase, terminal=terminal)
    change.occurred_at.FromDatetime(ENDED_AT)
    return change


FEED = [
    _change("done", Change.WORKFLOW, "RUNNING", False),
    _change("done", Change.NODE, "SUCCEEDED", True),
    _change("running", Change.WORKFLOW, "RUNNING", False),
    _change("running", Change.TASK, "FAILED", True),
    _change("done", Change.WORKFLOW, "SUCCEEDED", True),
]


@asynccontextmanager
async def _admin(bootstrap: str) -> AsyncIterator[AIOKafkaAdminClient]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


@pytest.fixture
async def feed_topic(stack_kafka_bootstrap: str) -> AsyncIterator[str]:
    """A prefixed phase feed topic of two partitions, as the events projector creates it."""
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    async with _admin(stack_kafka_bootstrap) as admin:
        await admin.create_topics([NewTopic(prefix + topics.EXECUTION_PHASES, 2, 1)])
        yield prefix
        await admin.delete_topics([prefix + topics.EXECUTION_PHASES])


async def _publish(bootstrap: str, topic: str, values: list[bytes], keys: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for value, key in zip(values, keys, strict=True):
            await producer.send_and_wait(topic, value, key=key)
    finally:
        await producer.stop()


async def _publish_feed(bootstrap: str, topic: str) -> None:
    values = [c.SerializeToString() for c in FEED] + [b"\xff\xffnot protobuf"]
    keys = [topics.execution_key(c.execution_id) for c in FEED] + [b"flytesnacks/development/x"]
    await _publish(bootstrap, topic, values, keys)


def _settings(bootstrap: str, prefix: str, key_prefix: str, url: str) -> SignalsSettings:
    return SignalsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        redis=RedisSettings(url=url),
        store=SignalStoreSettings(key_prefix=key_prefix),
        kafka=KafkaSettings(bootstrap_servers=bootstrap, client_id="test-signals"),
        topics=PhaseFeedTopicSettings(prefix=prefix),
        phase_feed=PhaseFeedSettings(consumer_group=f"{prefix}retention", batch_wait_ms=10),
    )


async def _eventually(probe: Callable[[], Awaitable[Any]], seconds: float = 30.0) -> Any:
    for _ in range(int(seconds / 0.05)):
        if value := await probe():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing came of the feed within {seconds}s")


async def _ready(host: ServiceHost) -> dict[str, str] | None:
    checks = await host.refresh_readiness()
    return checks if readiness.all_ok(checks) else None


async def test_a_terminal_workflow_change_marks_the_execution_and_the_sweep_removes_it(
    stack_kafka_bootstrap: str,
    feed_topic: str,
    stack_redis_url: str,
    key_prefix: str,
    redis_client: Redis,
    redis_store: RedisSignalStore,
) -> None:
    keys = SignalKeys(key_prefix)
    for name in ["done", "running"]:
        signal_id = identifier_pb2.SignalIdentifier(signal_id="s", execution_id=_execution(name))
        await redis_store.get_or_create(signal_pb2.Signal(id=signal_id, type=BOOL))
    await _publish_feed(stack_kafka_bootstrap, feed_topic + topics.EXECUTION_PHASES)
    settings = _settings(stack_kafka_bootstrap, feed_topic, key_prefix, stack_redis_url)
    async with wired(settings) as host:
        await host.start()
        try:
            await _eventually(
                lambda: redis_client.zscore(keys.terminal, keys.tag(_execution("done")))
            )
            checks = await _eventually(lambda: _ready(host))
        finally:
            await host.stop()
    assert checks == {"redis": "ok"}  # the feed runs beside the service, outside readiness
    marked = await redis_client.zrange(keys.terminal, 0, -1, withscores=True)
    assert marked == [(b"flytesnacks/development/done", ENDED_AT.timestamp() * 1000)]
    assert await Retention(redis_store, timedelta(seconds=0.5)).sweep() == 1
    assert not await redis_client.exists(*keys.of(_execution("done")).all)
    assert await redis_client.hlen(keys.of(_execution("running")).types) == 1


class _FailingFirstMark(RedisSignalStore):
    """The real store, but Redis 'goes away' for the first mark."""

    attempts = 0

    async def mark_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        self.attempts += 1
        if self.attempts == 1:
            raise StoreUnavailable("redis is unavailable")
        await super().mark_terminal(execution, terminal_at)


async def test_offsets_are_committed_only_after_the_mark_so_a_failed_batch_comes_again(
    stack_kafka_bootstrap: str,
    feed_topic: str,
    stack_redis_url: str,
    key_prefix: str,
    redis_client: Redis,
) -> None:
    keys = SignalKeys(key_prefix)
    store = _FailingFirstMark(redis_client, keys)
    settings = _settings(stack_kafka_bootstrap, feed_topic, key_prefix, stack_redis_url)
    topic = feed_topic + topics.EXECUTION_PHASES
    await _publish_feed(stack_kafka_bootstrap, topic)
    feed = retention_feed(settings, Retention(store, timedelta(days=1)))
    await feed.start()
    try:
        await _eventually(lambda: redis_client.zscore(keys.terminal, keys.tag(_execution("done"))))
    finally:
        await feed.stop()
    assert store.attempts == 2
    async with _admin(stack_kafka_bootstrap) as admin:
        committed = await admin.list_consumer_group_offsets(settings.phase_feed.consumer_group)
    assert sum(c.offset for c in committed.values()) == len(FEED) + 1
    assert set(committed) <= {TopicPartition(topic, 0), TopicPartition(topic, 1)}


async def test_the_consumer_waits_for_the_events_service_to_create_the_topic(
    stack_kafka_bootstrap: str, stack_redis_url: str, key_prefix: str, redis_client: Redis
) -> None:
    """Subscribing would let a broker that creates topics on demand create it with its own
    defaults; the start step refuses instead, and the host retries it."""
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    settings = _settings(stack_kafka_bootstrap, prefix, key_prefix, stack_redis_url)
    store = RedisSignalStore(redis_client, SignalKeys(key_prefix))
    feed = retention_feed(settings, Retention(store, timedelta(days=1)))
    try:
        with pytest.raises(TopicMissing, match=f"topic {prefix}flightdeck.execution-phases"):
            await feed.start()
    finally:
        await feed.stop()
    async with _admin(stack_kafka_bootstrap) as admin:
        assert prefix + topics.EXECUTION_PHASES not in await admin.list_topics()

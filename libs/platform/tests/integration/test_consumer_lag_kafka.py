"""Consumer lag read from the stack's Kafka: a prefixed two-partition topic, a group that
committed on one partition only, and a broker that does not answer."""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata
from prometheus_client import REGISTRY

from flightdeck_platform.consumer_lag import ConsumerLag, PartitionOffsets
from flightdeck_platform.kafka_offsets import KafkaGroupOffsets, watch_consumer_lag
from flightdeck_platform.settings import KafkaSettings

pytestmark = pytest.mark.integration

BOOTSTRAP = f"127.0.0.1:{os.environ.get('FLIGHTDECK_KAFKA_PORT', '19092')}"


@pytest.fixture
def group() -> str:
    return f"test-lag-{uuid.uuid4().hex[:8]}"


@pytest.fixture
async def topic() -> AsyncIterator[str]:
    name = f"test-{uuid.uuid4().hex[:8]}.lag"
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 2, 1)])
        yield name
        await admin.delete_topics([name])
    finally:
        await admin.close()


async def produce(topic: str, per_partition: dict[int, int]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await producer.start()
    try:
        for partition, count in per_partition.items():
            for i in range(count):
                await producer.send_and_wait(topic, f"{i}".encode(), partition=partition)
    finally:
        await producer.stop()


async def commit(group: str, offsets: dict[TopicPartition, int]) -> None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=BOOTSTRAP, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(list(offsets))
        await consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in offsets.items()})
    finally:
        await consumer.stop()


def lag(group: str, topic: str, partition: int) -> float | None:
    return REGISTRY.get_sample_value(
        "flightdeck_kafka_consumer_lag",
        {"group": group, "topic": topic, "partition": str(partition)},
    )


def failures(group: str) -> float:
    value = REGISTRY.get_sample_value(
        "flightdeck_kafka_consumer_lag_refresh_failures_total", {"group": group}
    )
    return value or 0.0


async def test_lag_per_partition_from_commits_and_end_offsets(topic: str, group: str) -> None:
    await produce(topic, {0: 5, 1: 3})
    await commit(group, {TopicPartition(topic, 0): 2})
    watch = watch_consumer_lag(KafkaSettings(bootstrap_servers=BOOTSTRAP), group, [topic])

    assert await watch.refresh()
    # Partition 1 was never committed: the whole partition is still to read.
    assert (lag(group, topic, 0), lag(group, topic, 1)) == (3.0, 3.0)

    await produce(topic, {1: 4})
    await commit(group, {TopicPartition(topic, 0): 5, TopicPartition(topic, 1): 1})
    assert await watch.refresh()
    assert (lag(group, topic, 0), lag(group, topic, 1)) == (0.0, 6.0)
    assert failures(group) == 0.0


async def test_a_missing_topic_is_a_counted_failure(group: str) -> None:
    watch = watch_consumer_lag(
        KafkaSettings(bootstrap_servers=BOOTSTRAP), group, [f"test-{uuid.uuid4().hex}.absent"]
    )

    assert not await watch.refresh()
    assert failures(group) == 1.0


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RoundCounter:
    """Passes reads through, and signals when the loop comes around for its fourth round."""

    def __init__(self, inner: KafkaGroupOffsets) -> None:
        self._inner = inner
        self.rounds = 0
        self.fourth_round = asyncio.Event()

    async def read(self, group: str, topics: Sequence[str]) -> list[PartitionOffsets]:
        self.rounds += 1
        if self.rounds == 4:
            self.fourth_round.set()
        return await self._inner.read(group, topics)


async def test_an_unreachable_broker_is_counted_and_the_loop_keeps_going(group: str) -> None:
    unreachable = KafkaSettings(bootstrap_servers=f"127.0.0.1:{closed_port()}")
    reader = RoundCounter(KafkaGroupOffsets(unreachable))
    loop = asyncio.create_task(ConsumerLag(reader, group, ["any"], interval_seconds=0.01).run())
    try:
        await reader.fourth_round.wait()
        assert not loop.done()
        assert failures(group) == 3.0
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop

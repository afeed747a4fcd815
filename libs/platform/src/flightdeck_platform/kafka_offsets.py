"""Reads a consumer group's position on Kafka: the partitions of its topics, their beginning
and end offsets, and the group's commits.

Each read opens its own short-lived clients: a read every few tens of seconds costs little,
and no connection broken by a broker restart outlives the read that saw it break.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from flightdeck_platform.consumer_lag import ConsumerLag, PartitionOffsets
from flightdeck_platform.settings import KafkaSettings


class TopicMissing(Exception):
    """A topic the group reads does not exist (yet)."""


class KafkaGroupOffsets:
    def __init__(self, kafka: KafkaSettings) -> None:
        self._kafka = kafka

    async def read(self, group: str, topics: Sequence[str]) -> list[PartitionOffsets]:
        async with contextlib.AsyncExitStack() as stack:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self._kafka.bootstrap_servers, client_id=self._kafka.client_id
            )
            stack.push_async_callback(admin.close)
            await admin.start()
            # No group: this consumer only asks for offsets, it never joins or commits.
            consumer = AIOKafkaConsumer(
                bootstrap_servers=self._kafka.bootstrap_servers,
                client_id=self._kafka.client_id,
                group_id=None,
                enable_auto_commit=False,
            )
            stack.push_async_callback(consumer.stop)
            await consumer.start()
            partitions = await _partitions(admin, topics)
            committed = await admin.list_consumer_group_offsets(group, partitions=partitions)
            beginning = await consumer.beginning_offsets(partitions)
            end = await consumer.end_offsets(partitions)
        return [
            PartitionOffsets(
                tp.topic, tp.partition, beginning[tp], end[tp], _committed_offset(committed, tp)
            )
            for tp in partitions
        ]


async def _partitions(admin: AIOKafkaAdminClient, topics: Sequence[str]) -> list[TopicPartition]:
    # Metadata of every topic, not of the named ones: naming a missing topic would have a broker
    # that auto-creates topics create it.
    described = {t["topic"]: t for t in await admin.describe_topics()}
    missing = [topic for topic in topics if topic not in described]
    if missing:
        raise TopicMissing(f"no such topic: {', '.join(missing)}")
    return [
        TopicPartition(topic, p["partition"])
        for topic in topics
        for p in described[topic]["partitions"]
    ]


def _committed_offset(committed: dict[TopicPartition, object], tp: TopicPartition) -> int | None:
    offset = getattr(committed.get(tp), "offset", -1)
    return offset if isinstance(offset, int) and offset >= 0 else None


def watch_consumer_lag(kafka: KafkaSettings, group: str, topics: Sequence[str]) -> ConsumerLag:
    """The lag loop of a process's consumer group, refreshed every
    ``kafka.consumer_lag_interval_seconds``."""
    return ConsumerLag(KafkaGroupOffsets(kafka), group, topics, kafka.consumer_lag_interval_seconds)

"""The dead-letter topic read back and re-injected, for the operator's CLI.

Reading joins no consumer group and commits nothing: listing the letters changes nothing for
anyone, and may run while the projector works. It stops at the end offsets seen when it
started, so it terminates even while new letters arrive.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from google.protobuf.message import DecodeError

from flightdeck_platform.settings import KafkaSettings
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

REPLAYED_FROM_HEADER = "flightdeck-replayed-from"
"""Set on a replayed event: the dead letter it came from, ``topic:partition:offset``."""


class TopicMissing(Exception):
    """The dead-letter topic does not exist (nothing was ever dead-lettered under this prefix)."""


@dataclass(frozen=True)
class StoredDeadLetter:
    """One record of the dead-letter topic: where it sits, its key (the execution) and the
    letter (the original event's bytes and why it was set aside)."""

    topic: str
    partition: int
    offset: int
    key: bytes
    letter: events_pb2.DeadLetter

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"


async def read_dead_letters(
    kafka: KafkaSettings, topic: str, max_message_bytes: int
) -> AsyncIterator[StoredDeadLetter]:
    """Every letter on the topic, partition by partition in offset order."""
    partitions = await _partitions(kafka, topic)
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap_servers,
        client_id=kafka.client_id,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=max_message_bytes,
    )
    await consumer.start()
    try:
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        # Finished partitions are paused, not unassigned: a new assignment would lose the
        # positions of the others.
        pending = set(partitions)
        while pending := await _unfinished(consumer, pending, ends):
            batches = await consumer.getmany(timeout_ms=1000)
            for tp in sorted(batches):
                for record in batches[tp]:
                    if record.offset < ends[tp]:
                        yield _stored(record)
    finally:
        await consumer.stop()


async def _unfinished(
    consumer: AIOKafkaConsumer, pending: set[TopicPartition], ends: dict[TopicPartition, int]
) -> set[TopicPartition]:
    finished = {tp for tp in pending if await consumer.position(tp) >= ends[tp]}
    consumer.pause(*finished)
    return pending - finished


async def _partitions(kafka: KafkaSettings, topic: str) -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id=kafka.client_id
    )
    await admin.start()
    try:
        # Metadata of every topic: naming a missing one would have an auto-creating broker
        # create it.
        described = {t["topic"]: t for t in await admin.describe_topics()}
    finally:
        await admin.close()
    if topic not in described:
        raise TopicMissing(f"no dead-letter topic {topic!r}")
    return sorted(TopicPartition(topic, p["partition"]) for p in described[topic]["partitions"])


def _stored(record: ConsumerRecord[bytes, bytes]) -> StoredDeadLetter:
    try:
        letter = events_pb2.DeadLetter.FromString(record.value or b"")
    except DecodeError as error:
        # Shown rather than fatal: one foreign record must not hide the letters behind it. With
        # no payload, it has nothing to replay.
        letter = events_pb2.DeadLetter(reason=f"not a DeadLetter record: {error}")
    return StoredDeadLetter(
        record.topic, record.partition, record.offset, record.key or b"", letter
    )


class DeadLetterReplay:
    """Publishes dead letters' original events again, with their original keys, so each lands
    on its execution's partition behind the events already there."""

    def __init__(self, producer: AIOKafkaProducer, events_topic: str) -> None:
        self._producer = producer
        self._events_topic = events_topic

    async def replay(self, letters: Sequence[StoredDeadLetter]) -> None:
        """Returns once the broker acknowledged every one, sent in the order given."""
        for stored in letters:
            origin = f"{stored.topic}:{stored.position}".encode()
            await self._producer.send_and_wait(
                self._events_topic,
                stored.letter.payload,
                key=stored.key,
                headers=[(REPLAYED_FROM_HEADER, origin)],
            )

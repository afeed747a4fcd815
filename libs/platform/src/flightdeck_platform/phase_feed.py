"""Readers of the execution phase feed: the ``ExecutionPhaseChanged`` records the events
projector publishes once the records they describe are written.

Every reader shares one contract. A batch's offsets are committed only after its handler has
returned (``NACK_ON_ERROR``): a handler that raises rewinds the batch, which comes again after
a pause, so handlers must be idempotent. A record that is not an ``ExecutionPhaseChanged`` can
never be handled; it is reported to the reader, logged and passed over rather than holding its
partition up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import DecodeError

from flightdeck_platform.kafka_topics import require
from flightdeck_platform.settings import KafkaSettings, PhaseFeedSettings
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

RETRY_PAUSE_SECONDS = 1.0
"""After a failed batch: lets the reader's store come back instead of spinning."""

StartAt = Literal["earliest", "latest"]

_log = logging.getLogger("flightdeck.phase_feed")


@dataclass(frozen=True)
class FeedRecord:
    """A change as delivered; ``received_at`` (the broker's timestamp) stands in for a change
    without ``occurred_at``."""

    change: events_pb2.ExecutionPhaseChanged
    received_at: datetime


Handler = Callable[[list[FeedRecord]], Awaitable[None]]


@dataclass(frozen=True)
class Reader:
    """What one service does with the feed. ``start_at`` is where a new consumer group
    begins: ``latest`` for readers that act on news only (a first deployment must not notify
    everything the feed retains), ``earliest`` for readers that must see every change kept."""

    name: str
    handle: Handler
    on_unreadable: Callable[[], None]
    start_at: StartAt


class _Record(Protocol):
    topic: str
    partition: int
    offset: int
    timestamp: int
    value: bytes | None


def subscribe(broker: KafkaBroker, topic: str, settings: PhaseFeedSettings, reader: Reader) -> None:
    @broker.subscriber(
        topic,
        group_id=settings.consumer_group,
        batch=True,
        max_records=settings.max_batch,
        batch_timeout_ms=settings.batch_wait_ms,
        auto_offset_reset=reader.start_at,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def follow_phase_feed(body: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        # A tuple from aiokafka, a list from FastStream's in-memory test broker.
        records = _readable(raw if isinstance(raw, tuple | list) else (raw,), reader)
        try:
            await reader.handle(records)
        except Exception:
            _log.exception(
                "a phase feed batch failed; it will be delivered again",
                extra={"reader": reader.name},
            )
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise


def _readable(records: Sequence[_Record], reader: Reader) -> list[FeedRecord]:
    readable = []
    for record in records:
        try:
            change = events_pb2.ExecutionPhaseChanged.FromString(record.value or b"")
        except DecodeError:
            reader.on_unreadable()
            _log.warning(
                "skipped a phase feed record that is not an ExecutionPhaseChanged",
                extra={
                    "reader": reader.name,
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                },
            )
            continue
        readable.append(FeedRecord(change, datetime.fromtimestamp(record.timestamp / 1000, UTC)))
    return readable


class PhaseFeed:
    """One reader's subscription with its own broker. Its start may be interrupted by shutdown
    at any point, so the broker's own start runs to completion and stop waits for it: a broker
    stopped halfway through starting would leave its connections open."""

    def __init__(
        self, kafka: KafkaSettings, topic: str, settings: PhaseFeedSettings, reader: Reader
    ) -> None:
        self._kafka = kafka
        self.topic = topic
        self.broker = KafkaBroker(kafka.bootstrap_servers, client_id=kafka.client_id)
        subscribe(self.broker, topic, settings, reader)
        self._starting: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Once the feed's topic exists (the events service creates it); raises TopicMissing
        before."""
        await require(self._kafka, [self.topic])
        if self._starting is None:
            self._starting = asyncio.ensure_future(self.broker.start())
        await asyncio.shield(self._starting)

    async def stop(self) -> None:
        if self._starting is not None:
            with contextlib.suppress(Exception):
                await self._starting
        await self.broker.stop()

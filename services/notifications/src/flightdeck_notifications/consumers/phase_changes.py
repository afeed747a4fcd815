"""The notifications' Kafka edge: a FastStream batch subscriber on the execution phase feed.

Ack policy: a batch's offsets are committed only after its ended executions are queued in
Redis. A failed write rewinds the batch (``NACK_ON_ERROR``) and it comes again after a pause;
queueing is de-duplicated by (execution, phase), so the replay queues nothing twice. Sending
happens apart from the feed (service/dispatch.py): a failing channel never holds it up. A
record that is not an ``ExecutionPhaseChanged`` is logged, counted and passed over.

A new consumer group starts at the end of the feed (``latest``): a first deployment must not
notify every execution the feed still retains.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import DecodeError

from flightdeck_notifications.service import metrics
from flightdeck_notifications.service.intake import Intake
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

RETRY_PAUSE_SECONDS = 1.0
"""After a failed batch: lets Redis come back instead of spinning."""

_log = logging.getLogger("flightdeck.notifications.phase_feed")


class _Record(Protocol):
    topic: str
    partition: int
    offset: int
    value: bytes | None


def subscribe(
    broker: KafkaBroker, intake: Intake, topic: str, group_id: str, max_batch: int, wait_ms: int
) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=max_batch,
        batch_timeout_ms=wait_ms,
        auto_offset_reset="latest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def queue_notifications(body: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        # A tuple from aiokafka, a list from FastStream's in-memory test broker.
        changes = _readable(raw if isinstance(raw, tuple | list) else (raw,))
        try:
            await intake.follow(changes)
        except Exception:
            _log.exception("queueing notifications failed; the batch will be retried")
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise


def _readable(records: Sequence[_Record]) -> list[events_pb2.ExecutionPhaseChanged]:
    changes = []
    for record in records:
        try:
            changes.append(events_pb2.ExecutionPhaseChanged.FromString(record.value or b""))
        except DecodeError:
            metrics.FEED_RECORDS.labels("unreadable").inc()
            _log.warning(
                "skipped a phase feed record that is not an ExecutionPhaseChanged",
                extra={
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                },
            )
    return changes

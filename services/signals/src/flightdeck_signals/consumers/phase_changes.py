"""Retention's Kafka edge: a FastStream batch subscriber on the execution phase feed.

Ack policy: the batch's offsets are committed only after its ended executions are marked in
Redis. A failed mark rewinds every partition of the batch to its first record (``NACK_ON_ERROR``)
and the batch comes again after a pause; marking is idempotent, so the replay is harmless. A
record that is not an ``ExecutionPhaseChanged`` can never be applied: it is logged, counted and
passed over rather than holding its partition up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import DecodeError
from prometheus_client import Counter

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_signals.domain.phase_changes import ReceivedChange
from flightdeck_signals.service.retention import Retention

RETRY_PAUSE_SECONDS = 1.0
"""After a failed batch: lets Redis come back instead of spinning."""

FEED_RECORDS = Counter(
    "flightdeck_signals_phase_feed_records_total",
    "Phase feed records the retention consumer handled, by outcome.",
    ["outcome"],  # marked, ignored, unreadable
)

_log = logging.getLogger("flightdeck.signals.phase_feed")


class _Record(Protocol):
    topic: str
    partition: int
    offset: int
    timestamp: int
    value: bytes | None


def subscribe(
    broker: KafkaBroker,
    retention: Retention,
    topic: str,
    group_id: str,
    max_batch: int,
    wait_ms: int,
) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=max_batch,
        batch_timeout_ms=wait_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def mark_ended_executions(body: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        # A tuple from aiokafka, a list from FastStream's in-memory test broker.
        changes = _readable(raw if isinstance(raw, tuple | list) else (raw,))
        try:
            marked = await retention.follow_phase_changes(changes)
        except Exception:
            _log.exception("marking ended executions failed; the batch will be retried")
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
        FEED_RECORDS.labels("marked").inc(marked)
        FEED_RECORDS.labels("ignored").inc(len(changes) - marked)


def _readable(records: Sequence[_Record]) -> list[ReceivedChange]:
    changes = []
    for record in records:
        try:
            change = events_pb2.ExecutionPhaseChanged.FromString(record.value or b"")
        except DecodeError:
            FEED_RECORDS.labels("unreadable").inc()
            _log.warning(
                "skipped a phase feed record that is not an ExecutionPhaseChanged",
                extra={
                    "topic": record.topic,
                    "partition": record.partition,
                    "offset": record.offset,
                },
            )
            continue
        received_at = datetime.fromtimestamp(record.timestamp / 1000, UTC)
        changes.append(ReceivedChange(change, received_at))
    return changes

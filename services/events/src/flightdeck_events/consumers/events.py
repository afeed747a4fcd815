"""The projector's Kafka edge: a FastStream batch subscriber in a consumer group.

Offsets are committed only after a batch was projected (``NACK_ON_ERROR``: a failure, which
``GuardedProjector`` lets through only while a dependency is unavailable, rewinds every partition
of the batch to its first record, so the batch is delivered again)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace

from flightdeck_events.service.guarded import GuardedProjector
from flightdeck_events.service.projector import Delivered
from flightdeck_platform.propagation import context_from
from flightdeck_records.documents import EventPosition


class ConsumerRecord(Protocol):
    """What the projector reads of a Kafka record (aiokafka's ConsumerRecord has these)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]]


_tracer = trace.get_tracer("flightdeck.events.projector")
_log = logging.getLogger("flightdeck.events.projector")


def subscribe(
    broker: KafkaBroker,
    projector: GuardedProjector,
    topic: str,
    group_id: str,
    max_batch: int,
    wait_ms: int,
    max_message_bytes: int,
    max_poll_interval_ms: int,
) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        batch=True,
        max_records=max_batch,
        batch_timeout_ms=wait_ms,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=max_message_bytes,
        max_poll_interval_ms=max_poll_interval_ms,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def project_events(body: list[bytes], message: KafkaMessage) -> None:
        raw = message.raw_message
        records: Sequence[ConsumerRecord] = raw if isinstance(raw, tuple) else (raw,)
        with _batch_span(topic, records) as span:
            try:
                result = await projector.project([_delivered(r) for r in records])
            except Exception:
                _log.warning("a batch of %d events will be redelivered", len(records))
                raise
            span.set_attribute("flightdeck.events.applied", result.applied)
            span.set_attribute("flightdeck.events.rejected", len(result.rejections))


def _delivered(record: ConsumerRecord) -> Delivered:
    return Delivered(
        topic=record.topic,
        position=EventPosition(record.partition, record.offset),
        key=record.key or b"",
        value=record.value or b"",
    )


def _batch_span(
    topic: str, records: Sequence[ConsumerRecord]
) -> AbstractContextManager[trace.Span]:
    """Continues the first record's trace and links every record's, so each event's trace leads
    to the batch that projected it."""
    contexts = [context_from(record.headers) for record in records]
    links = [
        trace.Link(span_context)
        for ctx in contexts
        if (span_context := trace.get_current_span(ctx).get_span_context()).is_valid
    ]
    return _tracer.start_as_current_span(
        f"{topic} process",
        context=contexts[0] if contexts else None,
        kind=trace.SpanKind.CONSUMER,
        links=links,
        attributes={
            "messaging.system": "kafka",
            "messaging.operation.type": "process",
            "messaging.destination.name": topic,
            "messaging.batch.message_count": len(records),
        },
    )

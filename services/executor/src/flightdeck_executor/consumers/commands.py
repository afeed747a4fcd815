"""The executor's Kafka edge: a consumer group on the executor-commands topic. Partitions are
the unit of ownership (``messaging.ownership`` follows the assignments); what becomes of each
command, retried or set aside, is ``service.commands``'s."""

from __future__ import annotations

import asyncio

from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import trace

from flightdeck_executor.service.commands import CommandIntake, DeliveredCommand
from flightdeck_platform.poison import Position
from flightdeck_platform.propagation import context_from

_tracer = trace.get_tracer("flightdeck.executor.commands")
RETRY_PAUSE_SECONDS = 1.0
"""Before a command is delivered again: lets MongoDB come back instead of spinning."""


def subscribe(
    broker: KafkaBroker, intake: CommandIntake, topic: str, group_id: str, listener: object
) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=listener,  # type: ignore[arg-type]
    )
    async def handle_command(body: bytes, message: KafkaMessage) -> None:
        record = message.raw_message
        assert not isinstance(record, tuple), "a batch on a one-at-a-time subscriber"
        position = Position(record.topic, record.partition, record.offset)
        # The run's work continues the trace of the call that queued the command.
        parent = context_from(record.headers)
        try:
            with _tracer.start_as_current_span(
                f"executor command {record.topic}", context=parent, kind=trace.SpanKind.CONSUMER
            ):
                await intake.handle(DeliveredCommand(position, record.key or b"", body))
        except Exception:
            # NACK_ON_ERROR seeks back to this record, so raising is what redelivers it.
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise

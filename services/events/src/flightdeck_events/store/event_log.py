"""The event log: the events topic, written with the gateway's idempotent producer."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, MessageSizeTooLargeError
from flyteidl.core import identifier_pb2
from opentelemetry import trace

from flightdeck_platform import faults
from flightdeck_platform.propagation import trace_headers
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics

_tracer = trace.get_tracer("flightdeck.events.gateway")


class KafkaEventLog:
    def __init__(self, producer: AIOKafkaProducer, topic: str) -> None:
        self._producer = producer
        self._topic = topic

    async def append(
        self,
        execution_id: identifier_pb2.WorkflowExecutionIdentifier,
        envelope: events_pb2.EventEnvelope,
    ) -> None:
        with _tracer.start_as_current_span(
            f"{self._topic} publish",
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "send",
                "messaging.destination.name": self._topic,
                "messaging.message.id": envelope.event_id,
            },
        ):
            try:
                await self._producer.send_and_wait(
                    self._topic,
                    envelope.SerializeToString(),
                    key=topics.execution_key(execution_id),
                    headers=trace_headers(),
                )
            except MessageSizeTooLargeError as error:
                raise faults.ResourceExhausted(
                    f"the event is larger than the event log accepts: {error}"
                ) from error
            except KafkaError as error:
                # Not acknowledged: the client must retry; nothing was promised.
                raise faults.Unavailable(
                    f"the event log did not take the event: {error}"
                ) from error

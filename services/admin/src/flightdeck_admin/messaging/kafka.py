"""Admin's Kafka producer and the executor-command publisher on it: idempotent, acks from all
in-sync replicas, keyed by execution so one execution's commands stay in order, the message id
and the W3C trace context in the headers."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer
from flyteidl.core import identifier_pb2
from opentelemetry.propagate import inject

from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_platform.settings import KafkaSettings
from flightdeck_records import topics

MESSAGE_ID_HEADER = "message_id"
KIND_HEADER = "kind"


def producer(settings: KafkaSettings) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id,
        acks="all",
        enable_idempotence=True,
    )


async def ping(kafka: AIOKafkaProducer) -> None:
    """A metadata round trip: proves a broker answers now, not just that one did at start."""
    await kafka.client.fetch_all_metadata()


class KafkaCommandPublisher:
    def __init__(self, kafka: AIOKafkaProducer, topic: str = topics.EXECUTOR_COMMANDS) -> None:
        self._kafka = kafka
        self._topic = topic

    async def publish(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier, message: OutboxMessage
    ) -> None:
        carrier: dict[str, str] = {}
        inject(carrier)
        headers = [
            (MESSAGE_ID_HEADER, message.message_id.encode()),
            (KIND_HEADER, message.kind.encode()),
            *((name, value.encode()) for name, value in carrier.items()),
        ]
        await self._kafka.send_and_wait(
            self._topic, message.command, key=topics.execution_key(execution_id), headers=headers
        )

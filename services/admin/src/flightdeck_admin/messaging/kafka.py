"""Admin's Kafka producer and the executor-command publisher on it: idempotent, acks from all
in-sync replicas, keyed by execution so one execution's commands stay in order, the message id
and the W3C trace context in the headers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    KafkaError,
    KafkaTimeoutError,
    KafkaUnavailableError,
    ProducerClosed,
    TopicAuthorizationFailedError,
)
from flyteidl.core import identifier_pb2
from opentelemetry.propagate import inject

from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_platform import faults
from flightdeck_platform.settings import KafkaSettings
from flightdeck_records import topics

MESSAGE_ID_HEADER = "message_id"
KIND_HEADER = "kind"
PUBLISH_TIMEOUT = timedelta(seconds=10)
_UNREACHABLE = (
    KafkaTimeoutError,
    KafkaUnavailableError,
    ProducerClosed,
    TopicAuthorizationFailedError,
)
"""Failures every message would meet alike, besides those aiokafka marks retriable (connection,
node not ready, request timed out, leader election, unknown topic)."""


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
    """Publishes a command and waits for the broker's acknowledgement, at most ``timeout``: a
    producer that never connected waits for the cluster's metadata without end. The broker
    being out of reach leaves as ``faults.Unavailable``; a refusal of the message itself (too
    large, invalid) as the driver's error."""

    def __init__(
        self,
        kafka: AIOKafkaProducer,
        topic: str = topics.EXECUTOR_COMMANDS,
        timeout: timedelta = PUBLISH_TIMEOUT,
    ) -> None:
        self._kafka = kafka
        self._topic = topic
        self._timeout = timeout.total_seconds()

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
        key = topics.execution_key(execution_id)
        try:
            async with asyncio.timeout(self._timeout):
                await self._kafka.send_and_wait(
                    self._topic, message.command, key=key, headers=headers
                )
        except TimeoutError as error:
            unanswered = f"kafka did not acknowledge within {self._timeout}s"
            raise faults.Unavailable(unanswered) from error
        except KafkaError as error:
            if error.retriable or isinstance(error, _UNREACHABLE):
                raise faults.Unavailable(f"kafka unavailable: {error}") from error
            raise

"""The Kafka producer of the gateway: idempotent, acks from all in-sync replicas."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from flightdeck_platform.settings import KafkaSettings


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

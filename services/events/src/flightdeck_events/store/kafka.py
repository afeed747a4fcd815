"""Kafka plumbing shared by the gateway and the projector: an idempotent producer with acks from
all in-sync replicas, a liveness ping, and the topics the service provisions at start-up."""

from __future__ import annotations

from aiokafka import AIOKafkaProducer

from flightdeck_events.settings import ProducerSettings, TopicSettings
from flightdeck_events.topics import EventTopics
from flightdeck_platform.kafka_topics import TopicSpec
from flightdeck_platform.settings import KafkaSettings


def producer(
    settings: KafkaSettings, max_message_bytes: int, tuning: ProducerSettings
) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        max_request_size=max_message_bytes,
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=tuning.linger_ms,
        compression_type=None if tuning.compression_type == "none" else tuning.compression_type,
        # Retried sends may not reorder: idempotence keeps at most 5 in flight in order.
        request_timeout_ms=30_000,
    )


async def ping(kafka: AIOKafkaProducer) -> None:
    """A metadata round trip: proves a broker answers now, not just that one did at start."""
    await kafka.client.fetch_all_metadata()


def topic_specs(layout: TopicSettings) -> list[TopicSpec]:
    """The four events topics, provisioned by the gateway and the projector alike (either may
    start first, and each needs them all)."""
    configs = {"max.message.bytes": str(layout.max_message_bytes)}
    return [
        TopicSpec.of(name, layout.partitions, layout, configs)
        for name in EventTopics.of(layout).all()
    ]

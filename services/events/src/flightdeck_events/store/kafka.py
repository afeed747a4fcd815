"""Kafka plumbing shared by the gateway and the projector: an idempotent producer with acks from
all in-sync replicas, a liveness ping, and the topics created at start-up."""

from __future__ import annotations

import contextlib

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from flightdeck_events.settings import TopicSettings
from flightdeck_events.topics import EventTopics
from flightdeck_platform.settings import KafkaSettings


def producer(settings: KafkaSettings, max_message_bytes: int) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        max_request_size=max_message_bytes,
        bootstrap_servers=settings.bootstrap_servers,
        client_id=settings.client_id,
        acks="all",
        enable_idempotence=True,
        linger_ms=2,
        # Retried sends may not reorder: idempotence keeps at most 5 in flight in order.
        request_timeout_ms=30_000,
    )


async def ping(kafka: AIOKafkaProducer) -> None:
    """A metadata round trip: proves a broker answers now, not just that one did at start."""
    await kafka.client.fetch_all_metadata()


async def ensure_topics(kafka: KafkaSettings, layout: TopicSettings) -> None:
    """Creates the events topics with the configured partitions; existing ones are kept, since
    repartitioning would break per-execution ordering."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id=kafka.client_id
    )
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(
                name,
                layout.partitions,
                layout.replication_factor,
                topic_configs={"max.message.bytes": str(layout.max_message_bytes)},
            )
            for name in EventTopics.of(layout).all()
            if name not in existing
        ]
        if wanted:
            # Another replica may have created them first.
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(wanted)
    finally:
        await admin.close()

"""Kafka plumbing of the retention consumer: waiting for the feed's topic to exist.

The events service owns the feed's topic layout (partitions, record size). Subscribing to a
topic that is missing would make a broker with automatic topic creation create it with its own
defaults, which the events service then keeps; so the consumer starts only once it exists.
"""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient

from flightdeck_platform.settings import KafkaSettings


class TopicMissing(RuntimeError):
    pass


async def require_topic(settings: KafkaSettings, topic: str) -> None:
    """Raises TopicMissing until the topic exists (listing topics never creates one)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap_servers, client_id=settings.client_id
    )
    try:
        await admin.start()
        if topic not in await admin.list_topics():
            raise TopicMissing(
                f"topic {topic} does not exist yet (the events projector creates it)"
            )
    finally:
        await admin.close()

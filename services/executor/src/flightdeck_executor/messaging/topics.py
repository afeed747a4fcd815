"""The executor-commands topic is admin's (it creates it with its partitions); the executor
waits for it rather than letting the broker auto-create one with a single partition."""

from __future__ import annotations

from aiokafka.admin import AIOKafkaAdminClient

from flightdeck_platform.settings import KafkaSettings


class TopicMissing(Exception):
    pass


async def require_topic(kafka: KafkaSettings, name: str) -> None:
    """Raises TopicMissing until the topic exists (listing topics never creates one)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id=kafka.client_id
    )
    await admin.start()
    try:
        if name not in set(await admin.list_topics()):
            raise TopicMissing(f"topic {name} does not exist yet (admin creates it)")
    finally:
        await admin.close()

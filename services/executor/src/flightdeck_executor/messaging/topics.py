"""The executor-commands topic, created with its partitions when missing: partitions are how
many replicas can share the runs, and an auto-created topic would have one."""

from __future__ import annotations

import contextlib

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from flightdeck_platform.settings import KafkaSettings


async def ensure_topic(kafka: KafkaSettings, name: str, partitions: int, replication: int) -> None:
    admin = AIOKafkaAdminClient(
        bootstrap_servers=kafka.bootstrap_servers, client_id=kafka.client_id
    )
    await admin.start()
    try:
        if name in set(await admin.list_topics()):
            return
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(name, partitions, replication)])
    finally:
        await admin.close()

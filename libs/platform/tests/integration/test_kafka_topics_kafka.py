"""Topic provisioning against the stack's Kafka: prefixed topics created with their configured
partitions and min.insync.replicas, provisioning repeated or raced changing nothing, an existing
topic left as it is, and a topic the broker cannot create reported with the broker's reason."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Sequence

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from flightdeck_platform.kafka_topics import (
    TopicMissing,
    TopicRefused,
    TopicSpec,
    provision,
    require,
)
from flightdeck_platform.settings import KafkaSettings

pytestmark = pytest.mark.integration

BOOTSTRAP = f"127.0.0.1:{os.environ.get('FLIGHTDECK_KAFKA_PORT', '19092')}"
KAFKA = KafkaSettings(bootstrap_servers=BOOTSTRAP, client_id="test-topics")
SET_ON_THE_TOPIC = 1
"""DescribeConfigs' config_source of a value set on the topic itself (not a broker default)."""


@pytest.fixture
async def admin() -> AsyncIterator[AIOKafkaAdminClient]:
    client = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await client.start()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
async def prefix(admin: AIOKafkaAdminClient) -> AsyncIterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    yield prefix
    mine = [name for name in await admin.list_topics() if name.startswith(prefix)]
    if mine:
        await admin.delete_topics(mine)


def specs(prefix: str) -> list[TopicSpec]:
    return [
        TopicSpec(prefix + "events", 3, 1, 1, {"max.message.bytes": "2097152"}),
        TopicSpec(prefix + "phases", 2, 1, 1),
    ]


async def layout(admin: AIOKafkaAdminClient, names: Sequence[str]) -> dict[str, int]:
    """Partitions per topic, once the broker's metadata has them all (a topic just created may
    be listed for a moment before its partitions have leaders)."""
    for _ in range(100):
        described = await admin.describe_topics(list(names))
        if all(t["error_code"] == 0 and t["partitions"] for t in described):
            break
        await asyncio.sleep(0.1)
    return {t["topic"]: len(t["partitions"]) for t in described}


async def topic_configs(admin: AIOKafkaAdminClient, name: str) -> dict[str, tuple[str, int]]:
    wanted = {"min.insync.replicas": None, "max.message.bytes": None}
    (response,) = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, name, configs=wanted)]
    )
    (resource,) = response.to_object()["resources"]
    return {
        entry["config_names"]: (entry["config_value"], entry["config_source"])
        for entry in resource["config_entries"]
    }


async def test_creates_each_topic_as_configured_and_a_second_run_changes_nothing(
    admin: AIOKafkaAdminClient, prefix: str
) -> None:
    wanted = specs(prefix)
    names = [spec.name for spec in wanted]

    await provision(KAFKA, wanted)
    created = await layout(admin, names)
    await provision(KAFKA, wanted)

    assert created == {prefix + "events": 3, prefix + "phases": 2}
    assert await layout(admin, names) == created
    events = await topic_configs(admin, prefix + "events")
    assert events["min.insync.replicas"] == ("1", SET_ON_THE_TOPIC)
    assert events["max.message.bytes"] == ("2097152", SET_ON_THE_TOPIC)
    phases = await topic_configs(admin, prefix + "phases")
    assert phases["min.insync.replicas"] == ("1", SET_ON_THE_TOPIC)
    await require(KAFKA, names)


async def test_replicas_provisioning_at_once_all_succeed(
    admin: AIOKafkaAdminClient, prefix: str
) -> None:
    wanted = specs(prefix)
    await asyncio.gather(*(provision(KAFKA, wanted) for _ in range(4)))
    assert await layout(admin, [spec.name for spec in wanted]) == {
        prefix + "events": 3,
        prefix + "phases": 2,
    }


async def test_an_existing_topic_keeps_its_partitions_and_the_difference_is_logged(
    admin: AIOKafkaAdminClient, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    await provision(KAFKA, [TopicSpec(prefix + "events", 3, 1, 1)])
    assert await layout(admin, [prefix + "events"]) == {prefix + "events": 3}
    with caplog.at_level(logging.WARNING, logger="flightdeck.kafka_topics"):
        await provision(KAFKA, [TopicSpec(prefix + "events", 6, 1, 1)])
    assert await layout(admin, [prefix + "events"]) == {prefix + "events": 3}
    (warning,) = [r.__dict__ for r in caplog.records if r.name == "flightdeck.kafka_topics"]
    assert (warning["topic"], warning["partitions"], warning["configured_partitions"]) == (
        prefix + "events",
        3,
        6,
    )


async def test_a_topic_the_broker_cannot_create_fails_the_step_with_its_reason(
    admin: AIOKafkaAdminClient, prefix: str
) -> None:
    more_replicas_than_brokers = TopicSpec(prefix + "events", 1, 99, 1)
    with pytest.raises(TopicRefused, match=f"{prefix}events: .*99"):
        await provision(KAFKA, [more_replicas_than_brokers])
    with pytest.raises(TopicMissing, match=f"topic {prefix}events does not exist"):
        await require(KAFKA, [prefix + "events"])

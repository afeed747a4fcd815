"""Kafka topics, created at start-up by the service that owns them, as configured.

Brokers run with ``auto.create.topics.enable=false``: a topic nobody provisioned does not exist,
so a record for it is refused rather than landing on a topic the broker made up with its own
defaults (one partition, one replica). Every replica of a service provisions its topics, so
provisioning tolerates a replica that won the race. It never changes a topic that exists:
adding partitions would move keys to other partitions and reorder an execution's records.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from flightdeck_platform.settings import KafkaSettings, TopicReplicationSettings

_log = logging.getLogger("flightdeck.kafka_topics")


class TopicRefused(Exception):
    """The broker would not create a topic (fewer brokers than its replication factor, a
    policy, an invalid config); the message carries the broker's reason."""


class TopicMissing(Exception):
    """A topic another service owns does not exist yet."""


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    min_insync_replicas: int
    configs: Mapping[str, str] = field(default_factory=dict)
    """Further topic configs (``max.message.bytes``...)."""

    @classmethod
    def of(
        cls,
        name: str,
        partitions: int,
        replication: TopicReplicationSettings,
        configs: Mapping[str, str] | None = None,
    ) -> TopicSpec:
        return cls(
            name,
            partitions,
            replication.replication_factor,
            replication.min_insync_replicas,
            dict(configs or {}),
        )

    def new_topic(self) -> NewTopic:
        configs = {"min.insync.replicas": str(self.min_insync_replicas), **self.configs}
        return NewTopic(self.name, self.partitions, self.replication_factor, topic_configs=configs)


async def provision(kafka: KafkaSettings, specs: Sequence[TopicSpec]) -> None:
    """Creates the topics of ``specs`` that are missing; existing ones are left as they are,
    with a warning when their partitions or replicas differ from the configuration."""
    admin = _admin(kafka)
    await admin.start()
    try:
        existing = await _described(admin)
        for spec in specs:
            if spec.name in existing:
                _warn_if_different(spec, existing[spec.name])
        missing = [spec for spec in specs if spec.name not in existing]
        if missing:
            response = await admin.create_topics([spec.new_topic() for spec in missing])
            _raise_refusals(response.to_object()["topic_errors"])
            _log.info("topics created", extra={"topics": [spec.name for spec in missing]})
    finally:
        await admin.close()


async def require(kafka: KafkaSettings, names: Sequence[str]) -> None:
    """Raises TopicMissing until every topic of ``names`` exists: a consumer of a topic another
    service owns waits for it, since subscribing creates nothing."""
    admin = _admin(kafka)
    await admin.start()
    try:
        missing = sorted(set(names) - set(await _described(admin)))
    finally:
        await admin.close()
    if missing:
        owned = "its owner creates it" if len(missing) == 1 else "their owners create them"
        raise TopicMissing(f"topic {', '.join(missing)} does not exist yet ({owned})")


def _admin(kafka: KafkaSettings) -> AIOKafkaAdminClient:
    return AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap_servers, client_id=kafka.client_id)


async def _described(admin: AIOKafkaAdminClient) -> dict[str, dict[str, Any]]:
    # Metadata of every topic: asking for named ones would have a broker that still
    # auto-creates topics create them with its defaults.
    return {t["topic"]: t for t in await admin.describe_topics()}


def _warn_if_different(spec: TopicSpec, described: Mapping[str, Any]) -> None:
    partitions = described["partitions"]
    if not partitions:
        return  # just created by another replica: its partitions are not known yet
    replicas = len(partitions[0]["replicas"])
    if (len(partitions), replicas) != (spec.partitions, spec.replication_factor):
        _log.warning(
            "topic exists with another layout; left as it is",
            extra={
                "topic": spec.name,
                "partitions": len(partitions),
                "configured_partitions": spec.partitions,
                "replication_factor": replicas,
                "configured_replication_factor": spec.replication_factor,
            },
        )


def _raise_refusals(outcomes: Sequence[Mapping[str, Any]]) -> None:
    refused = [
        f"{o['topic']}: {o.get('error_message') or 'error code ' + str(o['error_code'])}"
        for o in outcomes
        # Another replica created it between our look and our request.
        if o["error_code"] not in (0, TopicAlreadyExistsError.errno)
    ]
    if refused:
        raise TopicRefused("; ".join(refused))

"""Once every service has started (as `make run` starts them), Kafka's own tool describes every
flightdeck topic with the partitions, replication factor and min.insync.replicas its owner's
settings give it."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from flightdeck_admin.settings import AdminSettings
from flightdeck_events.settings import GatewaySettings
from flightdeck_events.topics import EventTopics
from flightdeck_records import topics

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
KAFKA_LIB = REPO / "var" / "kafka" / "lib"
TOOLS_LOGGING = REPO / "deploy" / "local" / "kafka" / "tools-log4j2.properties"
TOPIC_LINE = re.compile(
    r"^Topic: (?P<name>\S+)\s.*PartitionCount: (?P<partitions>\d+)\s+"
    r"ReplicationFactor: (?P<replicas>\d+)\s+Configs: (?P<configs>\S*)"
)

Layout = tuple[int, int, str]
"""Partitions, replication factor, min.insync.replicas."""


def _configured() -> dict[str, Layout]:
    """What the services' settings say, read from the environment as they read it."""
    commands = AdminSettings().executor_commands
    events = GatewaySettings().topics
    configured = {
        topics.EXECUTOR_COMMANDS: (
            commands.partitions,
            commands.replication_factor,
            str(commands.min_insync_replicas),
        )
    }
    for name in EventTopics.of(events).all():
        configured[name] = (
            events.partitions,
            events.replication_factor,
            str(events.min_insync_replicas),
        )
    return configured


def _kafka_topics_describe(bootstrap: str, names: list[str]) -> dict[str, Layout]:
    """``kafka-topics --describe``: the tool the deploy scripts' readiness probe runs too."""
    assert KAFKA_LIB.is_dir(), f"no Kafka jars in {KAFKA_LIB}: run deploy/local/up"
    described = subprocess.run(
        [
            "java", "-Xmx256m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            f"-Dlog4j2.configurationFile=file:{TOOLS_LOGGING}", "-cp", f"{KAFKA_LIB}/*",
            "org.apache.kafka.tools.TopicCommand", "--bootstrap-server", bootstrap,
            "--describe", "--topic", "|".join(re.escape(name) for name in names),
        ],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    layouts: dict[str, Layout] = {}
    for line in described.stdout.splitlines():
        if match := TOPIC_LINE.match(line):
            configs = dict(c.split("=", 1) for c in match["configs"].split(",") if c)
            layouts[match["name"]] = (
                int(match["partitions"]),
                int(match["replicas"]),
                configs.get("min.insync.replicas", "broker default"),
            )
    return layouts


def test_kafka_topics_describe_shows_every_topic_as_configured(
    running_system: dict[str, str],
) -> None:
    configured = _configured()
    bootstrap = f"127.0.0.1:{running_system['FLIGHTDECK_KAFKA_PORT']}"
    assert _kafka_topics_describe(bootstrap, sorted(configured)) == configured

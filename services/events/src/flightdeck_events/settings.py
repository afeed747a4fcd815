from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_events.domain.limits import EventLimits
from flightdeck_platform.settings import (
    KafkaSettings,
    MongoSettings,
    RedisSettings,
    ServerSettings,
    ServiceSettings,
    TopicReplicationSettings,
)
from flightdeck_storage import StorageConfig


class TopicSettings(TopicReplicationSettings):
    """How the events topics are created when missing (an existing topic is left as it is)."""

    partitions: int = Field(
        12,
        ge=1,
        description="Partitions of each events topic: the projector's maximum scale-out.",
    )
    max_message_bytes: int = Field(
        8 * 1024 * 1024,
        description="Largest record on the events topics (above the 2 MiB inline outputs).",
    )
    prefix: str = Field(
        "", description="Prepended to every topic name: isolates tenants (and test runs)."
    )


class ProducerSettings(BaseModel):
    """How the events producers batch and compress their records (bench/results/profile.md has
    the measurements behind the defaults)."""

    linger_ms: int = Field(
        2,
        ge=0,
        description="How long a record may wait for others to share its produce request: fewer, "
        "larger requests under load, that much more latency per acknowledgement.",
    )
    compression_type: Literal["none", "gzip", "snappy", "lz4", "zstd"] = Field(
        "none",
        description="Codec of the record batches; gzip needs nothing installed, the others their "
        "codec package. Pays where the network, not the CPU, is the bound.",
    )


class GatewaySettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_GATEWAY_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_GATEWAY_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8281, http_port=8280)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-gateway")
    producer: ProducerSettings = ProducerSettings()
    mongo: MongoSettings = MongoSettings()
    redis: RedisSettings = RedisSettings()
    topics: TopicSettings = TopicSettings()
    acknowledged_ttl_seconds: int = Field(
        24 * 3600,
        gt=0,
        description="How long an execution's acknowledged state outlives its last event; "
        "afterwards the projection, caught up by then, seeds it again.",
    )
    max_output_bytes: int = Field(
        2 * 1024 * 1024,
        description="Largest inline output_data a workflow or task event may carry "
        "(ResourceExhausted above, as the reference answers).",
    )
    max_error_message_bytes: int = Field(
        100 * 1024,
        ge=1024,
        description="Longest error message kept whole; a longer one keeps its head and tail "
        "around a note of how much was cut (propeller's own cut is at 100 KiB).",
    )
    max_reason_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Longest task event reason (and each of its reasons) kept whole; cut "
        "like an error message above.",
    )
    max_custom_info_bytes: int = Field(
        64 * 1024,
        ge=1024,
        description="Largest serialized custom_info of a task event (or of one of its "
        "external resources); a larger one is replaced by {truncated, original_bytes, "
        "limit_bytes}.",
    )

    def event_limits(self) -> EventLimits:
        return EventLimits(
            error_message_bytes=self.max_error_message_bytes,
            reason_bytes=self.max_reason_bytes,
            custom_info_bytes=self.max_custom_info_bytes,
        )


class ProjectorSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_PROJECTOR_``; only the HTTP port is served."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_PROJECTOR_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8290)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-projector")
    producer: ProducerSettings = ProducerSettings()
    mongo: MongoSettings = MongoSettings()
    storage: StorageConfig = StorageConfig()
    topics: TopicSettings = TopicSettings()
    consumer_group: str = Field(
        "flightdeck-events-projector", description="Kafka consumer group of the projectors."
    )
    max_batch: int = Field(500, description="Most events folded into one bulk write.")
    batch_wait_ms: int = Field(
        20, description="How long a poll waits for more events to fill a batch."
    )
    max_attempts: int = Field(
        3,
        ge=1,
        description="Tries of a batch that fails for a reason of its own, then of each of its "
        "events alone, before an event that still fails goes to the dead-letter topic. A "
        "dependency being unavailable spends none.",
    )
    max_retry_pause_seconds: float = Field(
        30.0,
        gt=0,
        description="Longest pause between redeliveries while MongoDB, Kafka or the "
        "object store stays unavailable (the pause doubles from 0.2 s).",
    )
    max_poll_interval_ms: int = Field(
        300_000,
        description="Kafka's max.poll.interval.ms: a projector stuck longer than this on a batch "
        "leaves the group and its partitions move to another replica (its late writes are "
        "fenced off by the records' stored positions).",
    )

from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import (
    KafkaSettings,
    MongoSettings,
    RedisSettings,
    ServerSettings,
    ServiceSettings,
)
from flightdeck_storage import StorageConfig


class TopicSettings(BaseModel):
    """How the events topics are created when missing (an existing topic is left as it is)."""

    partitions: int = Field(
        12, description="Partitions of the events topic: the projector's maximum scale-out."
    )
    replication_factor: int = Field(1, description="Replicas per partition (3 in production).")
    max_message_bytes: int = Field(
        8 * 1024 * 1024,
        description="Largest record on the events topics (above the 2 MiB inline outputs).",
    )
    prefix: str = Field(
        "", description="Prepended to every topic name: isolates tenants (and test runs)."
    )


class GatewaySettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_GATEWAY_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_GATEWAY_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8281, http_port=8280)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-gateway")
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
        description="Largest inline output_data an event may carry (ResourceExhausted above).",
    )


class ProjectorSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_PROJECTOR_``; only the HTTP port is served."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_PROJECTOR_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8290)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-projector")
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

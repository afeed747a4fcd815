"""Settings shared by every service: environment variables plus an optional YAML file.

Each service subclasses ``ServiceSettings`` with its own env prefix (``FLIGHTDECK_ADMIN_``...);
nested sections use ``__`` (``FLIGHTDECK_ADMIN_SERVER__GRPC_PORT=8181``). Precedence, highest
first: constructor arguments, environment, the YAML file, field defaults.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

from flightdeck_platform.auth.settings import AuthSettings

CONFIG_FILE_VARIABLE = "FLIGHTDECK_CONFIG"

MIB = 1024 * 1024


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Interface the gRPC and HTTP listeners bind.")
    grpc_port: int = Field(8089, description="gRPC port; 0 picks a free one.")
    http_port: int = Field(8088, description="REST, /healthcheck and /metrics port.")
    max_message_bytes: int = Field(
        20 * MIB, description="Largest gRPC message accepted or sent (flytekit's limit)."
    )
    max_metadata_bytes: int = Field(32 * 1024, description="Largest header block accepted.")
    shutdown_grace_seconds: float = Field(10.0, description="Time in-flight calls get on stop.")
    max_loop_lag_seconds: float = Field(
        5.0,
        gt=0,
        description="How late the event loop may run what is due before /healthcheck answers "
        "503 (liveness: an orchestrator restarts the replica).",
    )


class TelemetrySettings(BaseModel):
    otlp_endpoint: str | None = Field(
        None, description="OTLP/gRPC collector, e.g. http://127.0.0.1:4317; unset = no export."
    )
    sample_ratio: float = Field(1.0, ge=0.0, le=1.0, description="Share of new traces kept.")


class LoggingSettings(BaseModel):
    level: str = Field("INFO", description="Root log level.")
    format: Literal["json", "text"] = Field(
        "json", description="json for machines, text for humans."
    )


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_nested_delimiter="__", extra="ignore")

    server: ServerSettings = ServerSettings()
    telemetry: TelemetrySettings = TelemetrySettings()
    logging: LoggingSettings = LoggingSettings()
    auth: AuthSettings = AuthSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = settings_cls.model_config.get("yaml_file") or os.environ.get(
            CONFIG_FILE_VARIABLE
        )
        if config_file:
            sources.append(YamlConfigSettingsSource(settings_cls, yaml_file=Path(str(config_file))))
        return tuple(sources)


SettingsT = TypeVar("SettingsT", bound=ServiceSettings)


def load_settings(
    settings_cls: type[SettingsT], config_file: str | None = None, **overrides: Any
) -> SettingsT:
    """Read settings once, at the composition root; ``config_file`` wins over the env variable."""
    if config_file is None:
        return settings_cls(**overrides)
    if not Path(config_file).is_file():
        raise FileNotFoundError(f"config file {config_file} does not exist")
    with_file = type(
        settings_cls.__name__,
        (settings_cls,),
        {"model_config": {**settings_cls.model_config, "yaml_file": config_file}},
    )
    return with_file(**overrides)


class MongoSettings(BaseModel):
    url: str = Field("mongodb://127.0.0.1:27018/", description="MongoDB (or FerretDB) URL.")
    database: str = Field("flightdeck", description="Database holding flightdeck's collections.")
    server_selection_timeout_ms: int = Field(
        5000, description="How long a call waits for a server."
    )


class KafkaSettings(BaseModel):
    bootstrap_servers: str = Field("127.0.0.1:19092", description="Comma-separated host:port list.")
    client_id: str = Field("flightdeck", description="Client id reported to the brokers.")
    consumer_lag_interval_seconds: float = Field(
        30.0,
        gt=0,
        description="How often a process that owns a consumer group refreshes its lag gauges "
        "(flightdeck_kafka_consumer_lag).",
    )


class TopicReplicationSettings(BaseModel):
    """How the topics a service owns are replicated when it creates them. The defaults fit the
    one-broker local stack; production uses 3 and 2, so one broker may fail without losing an
    acknowledged record or refusing writes."""

    replication_factor: int = Field(
        1, ge=1, description="Replicas of each partition (3 in production)."
    )
    min_insync_replicas: int = Field(
        1,
        ge=1,
        description="The topics' min.insync.replicas: replicas that must have a record before "
        "an acks=all write succeeds (2 in production).",
    )

    @model_validator(mode="after")
    def _reachable(self) -> TopicReplicationSettings:
        if self.min_insync_replicas > self.replication_factor:
            raise ValueError(
                f"min_insync_replicas ({self.min_insync_replicas}) above replication_factor "
                f"({self.replication_factor}) would refuse every acks=all write"
            )
        return self


class PhaseFeedTopicSettings(BaseModel):
    prefix: str = Field(
        "", description="Prepended to the phase feed's topic name: the events service's prefix."
    )


class PhaseFeedSettings(BaseModel):
    """A reader of the execution phase feed (flightdeck_platform.phase_feed)."""

    consumer_group: str = Field(description="Kafka consumer group of the feed's readers.")
    max_batch: int = Field(500, gt=0, description="Most feed records handled per batch.")
    batch_wait_ms: int = Field(
        100, ge=0, description="How long a poll waits for more records to fill a batch."
    )


class RedisSettings(BaseModel):
    url: str = Field("redis://127.0.0.1:16379/0", description="Redis URL.")

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import KafkaSettings, ServerSettings, ServiceSettings

BUILT_ASSETS = Path(__file__).resolve().parents[2] / "web" / "dist"


class TopicSettings(BaseModel):
    prefix: str = Field(
        "", description="Prepended to the phase feed's topic name: the events service's prefix."
    )


class FeedSettings(BaseModel):
    batch_wait_ms: int = Field(200, ge=0, description="How long a fetch waits for records.")
    queue_size: int = Field(
        1000, gt=0, description="Changes buffered per browser before it is told to resync."
    )
    keepalive_seconds: float = Field(
        15.0, gt=0, description="Idle time after which an SSE comment is sent."
    )


class TracesSettings(BaseModel):
    ui_url: str | None = Field(
        None,
        description="Jaeger's UI (http://localhost:16686); unset: the pages show no trace links.",
    )
    service: str = Field(
        "flightdeck-admin", description="The service whose spans carry the execution tag."
    )
    execution_tag: str = Field(
        "flightdeck.execution.id",
        description="Span attribute holding `project/domain/name` of the execution a call created.",
    )


class ConsoleSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_CONSOLE_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_CONSOLE_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8980)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-console")
    topics: TopicSettings = TopicSettings()
    feed: FeedSettings = FeedSettings()
    traces: TracesSettings = TracesSettings()
    assets_dir: Path = Field(BUILT_ASSETS, description="The built web app (web/dist).")

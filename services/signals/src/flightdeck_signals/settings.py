from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import (
    KafkaSettings,
    PhaseFeedSettings,
    PhaseFeedTopicSettings,
    RedisSettings,
    ServerSettings,
    ServiceSettings,
)

WEEK_SECONDS = 7 * 24 * 3600.0


class SignalStoreSettings(BaseModel):
    key_prefix: str = Field(
        "flightdeck:signals", description="Prefix of every Redis key the service writes."
    )
    events_cap: int = Field(
        1000,
        gt=0,
        description="Set notifications kept per execution stream (approximately; older trimmed).",
    )


class RetentionSettings(BaseModel):
    period_seconds: float = Field(
        WEEK_SECONDS,
        gt=0,
        description="How long signals outlive their execution's terminal time.",
    )
    sweep_interval_seconds: float = Field(
        60.0, gt=0, description="Time between two sweeps for expired executions."
    )
    batch_size: int = Field(100, gt=0, description="Executions removed per sweep query.")


class SignalsSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_SIGNALS_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_SIGNALS_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8481, http_port=8480)
    redis: RedisSettings = RedisSettings()
    store: SignalStoreSettings = SignalStoreSettings()
    retention: RetentionSettings = RetentionSettings()
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-signals")
    topics: PhaseFeedTopicSettings = PhaseFeedTopicSettings()
    phase_feed: PhaseFeedSettings = PhaseFeedSettings(consumer_group="flightdeck-signals-retention")

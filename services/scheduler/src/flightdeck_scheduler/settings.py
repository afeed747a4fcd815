from __future__ import annotations

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import RedisSettings, ServerSettings, ServiceSettings


class ControlPlaneSettings(BaseModel):
    target: str = Field(
        "127.0.0.1:8089",
        description="gRPC address of the edge: launch plans are read and executions created "
        "through AdminService there.",
    )
    call_timeout_seconds: float = Field(30.0, gt=0, description="Deadline of one gRPC call.")


class CursorSettings(BaseModel):
    key_prefix: str = Field(
        "flightdeck:scheduler", description="Prefix of the Redis keys holding the last ticks."
    )


class CatchUpSettings(BaseModel):
    max_ticks: int = Field(
        60,
        ge=1,
        description="Most ticks of one schedule fired at once after the scheduler was away "
        "(the latest ones); older missed ticks are skipped and counted.",
    )


class FiringSettings(BaseModel):
    poll_interval_seconds: float = Field(
        1.0, gt=0, description="How often due ticks are looked for (how late a tick may fire)."
    )
    refresh_interval_seconds: float = Field(
        10.0,
        gt=0,
        description="How often the active schedules are listed again from admin (how late a "
        "newly activated schedule may be noticed; its ticks since activation still fire).",
    )
    max_attempts: int = Field(
        5,
        ge=1,
        description="Refused CreateExecution attempts after which a tick is given up "
        "(transient failures, admin away, are retried without limit).",
    )
    first_backoff_seconds: float = Field(1.0, gt=0, description="Delay after a first failure.")
    max_backoff_seconds: float = Field(60.0, gt=0, description="Longest delay between attempts.")


class SchedulerSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_SCHEDULER_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_SCHEDULER_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8680)
    control_plane: ControlPlaneSettings = ControlPlaneSettings()
    redis: RedisSettings = RedisSettings()
    cursors: CursorSettings = CursorSettings()
    catch_up: CatchUpSettings = CatchUpSettings()
    firing: FiringSettings = FiringSettings()

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import RedisSettings, ServerSettings, ServiceSettings


class SignalsSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_SIGNALS_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_SIGNALS_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8481, http_port=8480)
    redis: RedisSettings = RedisSettings()

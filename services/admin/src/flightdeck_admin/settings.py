from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import MongoSettings, ServerSettings, ServiceSettings


class AdminSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_ADMIN_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_ADMIN_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8181, http_port=8180)
    mongo: MongoSettings = MongoSettings()
    domains: list[str] = Field(
        ["development", "staging", "production"], description="Domains every project has."
    )

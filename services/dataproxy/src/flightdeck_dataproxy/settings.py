from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import ServerSettings, ServiceSettings


class StorageSettings(BaseModel):
    local_root: Path = Field(Path("var/storage"), description="Root of the local object store.")


class DataProxySettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_DATAPROXY_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_DATAPROXY_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8381, http_port=8380)
    storage: StorageSettings = StorageSettings()

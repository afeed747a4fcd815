from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import ServerSettings, ServiceSettings
from flightdeck_storage import StorageConfig

GIB = 1 << 30


class UploadSettings(BaseModel):
    max_expires_in: timedelta = Field(
        timedelta(hours=1), description="Longest (and default) lifetime of an upload URL."
    )
    storage_prefix: str = Field("", description="Key prefix of every upload location.")
    default_filename_length: int = Field(
        20, ge=1, description="Length of the name given to uploads that bring none."
    )
    max_bytes: int = Field(
        5 * GIB, ge=1, description="Largest body the local signed-URL endpoint accepts."
    )


class DownloadSettings(BaseModel):
    max_expires_in: timedelta = Field(
        timedelta(hours=1), description="Longest (and default) lifetime of a download URL."
    )


class AdminClientSettings(BaseModel):
    target: str = Field(
        "127.0.0.1:8181", description="Admin's gRPC address, where execution records are read."
    )
    timeout_seconds: float = Field(10.0, gt=0, description="Deadline of each call to admin.")


class DataProxySettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_DATAPROXY_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_DATAPROXY_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8381, http_port=8380)
    storage: StorageConfig = StorageConfig()
    upload: UploadSettings = UploadSettings()
    download: DownloadSettings = DownloadSettings()
    admin: AdminClientSettings = AdminClientSettings()

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from flightdeck_platform.settings import KafkaSettings, ServerSettings, ServiceSettings


class GatewaySettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_GATEWAY_``; sections nest with ``__``."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_GATEWAY_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=8281, http_port=8280)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-gateway")


class ProjectorSettings(ServiceSettings):
    """Environment prefix ``FLIGHTDECK_EVENTS_PROJECTOR_``; only the HTTP port is served."""

    model_config = SettingsConfigDict(
        env_prefix="FLIGHTDECK_EVENTS_PROJECTOR_", env_nested_delimiter="__", extra="ignore"
    )

    server: ServerSettings = ServerSettings(grpc_port=0, http_port=8290)
    kafka: KafkaSettings = KafkaSettings(client_id="flightdeck-events-projector")

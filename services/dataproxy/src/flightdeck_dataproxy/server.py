"""Composition root of the data proxy service."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_dataproxy.clients import local_store
from flightdeck_dataproxy.settings import DataProxySettings
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-dataproxy"


async def serve(settings: DataProxySettings) -> None:
    root = local_store.prepare(settings.storage.local_root)
    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[(services.DATA_PROXY, None)],
        probes={"object_store": lambda: local_store.ping(root)},
    )
    await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, DataProxySettings, serve, argv)

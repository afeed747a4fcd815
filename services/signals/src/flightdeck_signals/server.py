"""Composition root of the signals service."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services
from flightdeck_signals.settings import SignalsSettings
from flightdeck_signals.store import redis

SERVICE_NAME = "flightdeck-signals"


async def serve(settings: SignalsSettings) -> None:
    client = redis.connect(settings.redis)
    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[(services.SIGNAL, None)],
        probes={"redis": lambda: redis.ping(client)},
    )
    try:
        await host.run_until_signalled()
    finally:
        await client.aclose()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, SignalsSettings, serve, argv)

"""Composition root of the events gateway: the gRPC/REST front that publishes events to Kafka."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_events.settings import GatewaySettings
from flightdeck_events.store import kafka
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-events-gateway"


async def serve(settings: GatewaySettings) -> None:
    producer = kafka.producer(settings.kafka)
    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[(services.ADMIN, None)],
        probes={"kafka": lambda: kafka.ping(producer)},
        connectors={"kafka": producer.start},
    )
    try:
        await host.run_until_signalled()
    finally:
        await producer.stop()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, GatewaySettings, serve, argv)


if __name__ == "__main__":
    main()

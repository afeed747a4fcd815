"""Composition root of the events projector: a FastStream consumer group on Kafka.

It serves no gRPC; its HTTP port answers /healthcheck, /readyz and /metrics.
"""

from __future__ import annotations

from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from flightdeck_events.settings import ProjectorSettings
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost

SERVICE_NAME = "flightdeck-events-projector"


def build_broker(settings: ProjectorSettings) -> KafkaBroker:
    return KafkaBroker(settings.kafka.bootstrap_servers, client_id=settings.kafka.client_id)


async def _broker_answers(broker: KafkaBroker) -> None:
    if not await broker.ping(timeout=1.0):
        raise ConnectionError("kafka broker did not answer")


async def serve(settings: ProjectorSettings) -> None:
    broker = build_broker(settings)
    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        probes={"kafka": lambda: _broker_answers(broker)},
        connectors={"kafka": broker.start},
    )
    try:
        await host.run_until_signalled()
    finally:
        await broker.stop()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, ProjectorSettings, serve, argv)


if __name__ == "__main__":
    main()

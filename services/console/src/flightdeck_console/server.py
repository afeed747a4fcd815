"""Composition root of the console: settings → the phase feed reader → the fan-out → the SSE
route and the built web app, on a host serving /healthcheck, /readyz and /metrics.

The feed runs beside the host and never gates readiness: without Kafka the console still
serves its pages, which then show what the REST API answers without live updates."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence

from aiokafka import AIOKafkaConsumer

from flightdeck_console.api import assets, config, events
from flightdeck_console.consumers.phase_feed import relay
from flightdeck_console.service.fanout import Fanout
from flightdeck_console.settings import ConsoleSettings
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_topics import require
from flightdeck_records import topics

SERVICE_NAME = "flightdeck-console"


class PhaseFeed:
    """Starts once the feed's topic exists (raises TopicMissing before, and the host retries)."""

    def __init__(self, settings: ConsoleSettings, fanout: Fanout) -> None:
        self._settings = settings
        self._fanout = fanout
        self.topic = settings.topics.prefix + topics.EXECUTION_PHASES
        self._consumer: AIOKafkaConsumer | None = None
        self._relaying: asyncio.Task[None] | None = None

    async def start(self) -> None:
        kafka = self._settings.kafka
        await require(kafka, [self.topic])
        consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=kafka.bootstrap_servers,
            client_id=kafka.client_id,
            group_id=None,
            enable_auto_commit=False,
            auto_offset_reset="latest",
        )
        await consumer.start()
        self._consumer = consumer
        wait_ms = self._settings.feed.batch_wait_ms
        self._relaying = asyncio.create_task(relay(consumer, self._fanout, wait_ms))

    async def stop(self) -> None:
        if self._relaying is not None:
            self._relaying.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._relaying
        if self._consumer is not None:
            await self._consumer.stop()


@contextlib.asynccontextmanager
async def wired(settings: ConsoleSettings) -> AsyncIterator[ServiceHost]:
    fanout = Fanout(settings.feed.queue_size)
    feed = PhaseFeed(settings, fanout)
    try:
        yield ServiceHost(
            name=SERVICE_NAME,
            settings=settings.server,
            companions={"phase feed reader": feed.start},
            extra_routes=[
                events.route(fanout, settings.feed.keepalive_seconds),
                config.route(settings.traces),
                *assets.routes(settings.assets_dir),
            ],
        )
    finally:
        await feed.stop()


async def serve(settings: ConsoleSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, ConsoleSettings, serve, argv)

"""Composition root of the signals service: settings → Redis → store → use cases → API → host,
plus the retention sweeper running beside the host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta

from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.readiness import Probe
from flightdeck_proto import services
from flightdeck_signals.api.signals import SignalsApi
from flightdeck_signals.service.ports import SignalStore
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.service.signals import Signals
from flightdeck_signals.settings import SignalsSettings
from flightdeck_signals.store import redis
from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore

SERVICE_NAME = "flightdeck-signals"


def build_host(
    settings: SignalsSettings, store: SignalStore, probes: Mapping[str, Probe]
) -> ServiceHost:
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[(services.SIGNAL, [SignalsApi(Signals(store))])],
        probes=probes,
    )


@contextlib.asynccontextmanager
async def wired(settings: SignalsSettings) -> AsyncIterator[ServiceHost]:
    """The host (not started) over the Redis store, with the retention sweeper running until
    the block ends; the Redis client closes last."""
    client = redis.connect(settings.redis)
    store = RedisSignalStore(
        client, SignalKeys(settings.store.key_prefix), settings.store.events_cap
    )
    retention = Retention(
        store,
        timedelta(seconds=settings.retention.period_seconds),
        settings.retention.batch_size,
    )
    sweeper = asyncio.create_task(
        retention.run(timedelta(seconds=settings.retention.sweep_interval_seconds))
    )
    try:
        yield build_host(settings, store, {"redis": lambda: redis.ping(client)})
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await client.aclose()


async def serve(settings: SignalsSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, SignalsSettings, serve, argv)

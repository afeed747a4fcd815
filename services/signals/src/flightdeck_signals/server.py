"""Composition root of the signals service: settings → Redis → store → use cases → API → host,
plus retention beside the host: the sweeper, and the consumer of the execution phase feed that
tells it which executions ended."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import timedelta

from flightdeck_platform.auth.setup import server_authentication
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import Connect, ServiceHost
from flightdeck_platform.kafka_offsets import watch_consumer_lag
from flightdeck_platform.phase_feed import PhaseFeed
from flightdeck_platform.readiness import Probe
from flightdeck_proto import services
from flightdeck_records import topics
from flightdeck_signals.api.signals import SignalsApi
from flightdeck_signals.consumers import phase_changes
from flightdeck_signals.service.ports import SignalStore
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.service.signals import Signals
from flightdeck_signals.settings import SignalsSettings
from flightdeck_signals.store import redis
from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore

SERVICE_NAME = "flightdeck-signals"


def build_host(
    settings: SignalsSettings,
    store: SignalStore,
    probes: Mapping[str, Probe],
    companions: Mapping[str, Connect] | None = None,
) -> ServiceHost:
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        authentication=server_authentication(settings.auth, SERVICE_NAME),
        services=[(services.SIGNAL, [SignalsApi(Signals(store))])],
        probes=probes,
        companions=companions or {},
    )


def retention_feed(settings: SignalsSettings, retention: Retention) -> PhaseFeed:
    """The phase feed's reader that tells retention which executions ended."""
    return PhaseFeed(
        settings.kafka,
        settings.topics.prefix + topics.EXECUTION_PHASES,
        settings.phase_feed,
        phase_changes.retention_reader(retention),
    )


@contextlib.asynccontextmanager
async def wired(settings: SignalsSettings) -> AsyncIterator[ServiceHost]:
    """The host (not started) over the Redis store, with the retention sweeper running until
    the block ends; the phase feed consumer starts with the host (without gating its
    readiness) and stops before the Redis client closes."""
    client = redis.connect(settings.redis)
    store = RedisSignalStore(
        client, SignalKeys(settings.store.key_prefix), settings.store.events_cap
    )
    retention = Retention(
        store,
        timedelta(seconds=settings.retention.period_seconds),
        settings.retention.batch_size,
    )
    feed = retention_feed(settings, retention)
    sweeper = asyncio.create_task(
        retention.run(timedelta(seconds=settings.retention.sweep_interval_seconds))
    )
    # Retention's feed runs beside the service: a Kafka outage delays sweeping, never signals.
    probes: dict[str, Probe] = {"redis": lambda: redis.ping(client)}
    try:
        lag = watch_consumer_lag(settings.kafka, settings.phase_feed.consumer_group, [feed.topic])
        companions = {"phase feed consumer": feed.start, "consumer lag": lag.run}
        yield build_host(settings, store, probes, companions)
    finally:
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await feed.stop()
        await client.aclose()


async def serve(settings: SignalsSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, SignalsSettings, serve, argv)

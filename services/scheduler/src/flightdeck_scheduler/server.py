"""Composition root of the scheduler: settings → Redis (the last ticks) and the edge channel
(AdminService) → the scheduling loop beside a host serving /healthcheck, /readyz and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

from flightdeck_platform.auth.client import client_interceptors
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_scheduler.clients import admin
from flightdeck_scheduler.service.scheduling import Policy, Scheduler
from flightdeck_scheduler.settings import SchedulerSettings
from flightdeck_scheduler.store import cursors

SERVICE_NAME = "flightdeck-scheduler"


def policy(settings: SchedulerSettings) -> Policy:
    firing = settings.firing
    return Policy(
        catch_up_max_ticks=settings.catch_up.max_ticks,
        max_attempts=firing.max_attempts,
        first_backoff=timedelta(seconds=firing.first_backoff_seconds),
        max_backoff=timedelta(seconds=firing.max_backoff_seconds),
    )


@contextlib.asynccontextmanager
async def wired(settings: SchedulerSettings) -> AsyncIterator[ServiceHost]:
    """The host (not started) with the scheduling loop running until the block ends. Readiness
    is Redis answering; admin's reachability shows in the refresh metrics instead, since the
    loop keeps retrying it and a replica has nothing to serve meanwhile."""
    client = cursors.connect(settings.redis)
    edge = admin.channel(
        settings.control_plane.target,
        settings.server.max_message_bytes,
        client_interceptors(settings.auth, "flightdeck-scheduler"),
    )
    timeout = settings.control_plane.call_timeout_seconds
    scheduler = Scheduler(
        admin.GrpcLaunchPlans(edge, timeout),
        admin.GrpcExecutions(edge, timeout),
        cursors.RedisCursorStore(client, settings.cursors.key_prefix),
        policy(settings),
    )
    firing = settings.firing
    loop = asyncio.create_task(
        scheduler.run(firing.poll_interval_seconds, firing.refresh_interval_seconds)
    )
    try:
        yield ServiceHost(
            name=SERVICE_NAME,
            settings=settings.server,
            probes={"redis": lambda: cursors.ping(client)},
        )
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
        await edge.close()
        await client.aclose()


async def serve(settings: SchedulerSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, SchedulerSettings, serve, argv)

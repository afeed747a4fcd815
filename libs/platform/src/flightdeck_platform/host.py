"""Runs one service process: gRPC, the HTTP side, readiness, and a clean stop on SIGTERM/SIGINT.

Tests use ``start``/``stop`` directly (ports 0 give free ports); entry points call ``run``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import grpc
import uvicorn
from starlette.routing import BaseRoute

from flightdeck_platform import readiness
from flightdeck_platform.http_app import build_http_app
from flightdeck_platform.liveness import LoopHeartbeat
from flightdeck_platform.rest import RestGateway
from flightdeck_platform.retry import keep_trying
from flightdeck_platform.rpc.interceptors import standard_chain
from flightdeck_platform.rpc.server import GrpcEndpoint
from flightdeck_platform.rpc.services import Servicers
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto.routes import routes_of
from flightdeck_proto.services import ServiceDefinition

READINESS_INTERVAL_SECONDS = 5.0
UNREADY_INTERVAL_SECONDS = 0.5
"""Probe often until ready, so gRPC health turns SERVING soon after the dependencies answer."""

Connect = Callable[[], Awaitable[object]]

_log = logging.getLogger("flightdeck.host")


class _EmbeddedUvicorn(uvicorn.Server):
    """Signals belong to the host, which stops gRPC and HTTP together."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class ServiceHost:
    name: str
    settings: ServerSettings
    services: Sequence[tuple[ServiceDefinition, Servicers]] = ()
    probes: Mapping[str, readiness.Probe] = field(default_factory=dict)
    informational_probes: Mapping[str, readiness.Probe] = field(default_factory=dict)
    """Probes /readyz reports under ``informational`` without gating on them: a dependency the
    service keeps serving without (admin's Kafka, whose commands wait in the outbox)."""
    connectors: Mapping[str, Connect] = field(default_factory=dict)
    """Start-up steps against dependencies (connect, apply indexes), retried in the background
    until they succeed; the service reports not ready until every one has."""
    companions: Mapping[str, Connect] = field(default_factory=dict)
    """Start-up steps retried in the background like connectors, but that never gate readiness:
    work beside the service (a housekeeping consumer) whose outage must not stop its RPCs."""
    health_names: Sequence[str] = ()
    authentication: Sequence[grpc.aio.ServerInterceptor] = ()
    extra_routes: Sequence[BaseRoute] = ()
    """HTTP endpoints of the service's own, served before the REST gateway."""
    grpc_port: int = 0
    http_port: int = 0

    async def start(self) -> None:
        self._heartbeat = LoopHeartbeat(self.settings.max_loop_lag_seconds)
        self._beating = asyncio.create_task(self._heartbeat.run())
        self._connecting = [
            asyncio.create_task(keep_trying(connect, name))
            for name, connect in self.connectors.items()
        ]
        self._companions = [
            asyncio.create_task(keep_trying(connect, name))
            for name, connect in self.companions.items()
        ]
        self._grpc: GrpcEndpoint | None = None
        self._channel: grpc.aio.Channel | None = None
        rest = None
        if self.services:
            self._grpc = GrpcEndpoint(
                self.settings, standard_chain(self.authentication), self.services, self.health_names
            )
            self.grpc_port = await self._grpc.start()
            self._channel = grpc.aio.insecure_channel(
                f"127.0.0.1:{self.grpc_port}",
                options=[
                    ("grpc.max_receive_message_length", self.settings.max_message_bytes),
                    ("grpc.max_send_message_length", self.settings.max_message_bytes),
                ],
            )
            # Unknown query parameters are ignored, as grpc-gateway (and so flyteadmin) does.
            rest = RestGateway(
                [r for d, _ in self.services for r in routes_of(d.descriptor) if not r.streaming],
                self._channel,
                reject_unknown_query=False,
            )
        await self._start_http(
            build_http_app(self.readiness_report, self._heartbeat.check, rest, self.extra_routes)
        )
        self._watcher = asyncio.create_task(self._watch_readiness())
        _log.info(
            "service started",
            extra={
                "grpc_port": self.grpc_port,
                "http_port": self.http_port,
                "host": self.settings.host,
            },
        )

    async def _start_http(self, app: object) -> None:
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host=self.settings.host,
            port=self.settings.http_port,
            log_config=None,
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=int(self.settings.shutdown_grace_seconds),
        )
        self._http = _EmbeddedUvicorn(config)
        self._http_task = asyncio.create_task(self._http.serve())
        while not self._http.started:
            if self._http_task.done():
                raise RuntimeError(
                    f"HTTP server of {self.name} failed to start"
                ) from self._http_task.exception()
            await asyncio.sleep(0.01)
        self.http_port = self._http.servers[0].sockets[0].getsockname()[1]

    async def refresh_readiness(self) -> dict[str, str]:
        """Probe the dependencies and publish the outcome to gRPC health as well, so /readyz
        and health checks never disagree."""
        results = await readiness.check(self.probes)
        for name, task in zip(self.connectors, self._connecting, strict=True):
            if not task.done():
                results[name] = "failing: still connecting"
        if self._grpc is not None:
            await self._grpc.set_serving(readiness.all_ok(results))
        return results

    async def readiness_report(self) -> readiness.Report:
        """The gating checks (published to gRPC health as ``refresh_readiness`` does) and the
        informational ones, probed together."""
        checks, informational = await asyncio.gather(
            self.refresh_readiness(), readiness.check(self.informational_probes)
        )
        return readiness.Report(checks, informational)

    async def _watch_readiness(self) -> None:
        while True:
            ready = readiness.all_ok(await self.refresh_readiness())
            await asyncio.sleep(READINESS_INTERVAL_SECONDS if ready else UNREADY_INTERVAL_SECONDS)

    async def stop(self) -> None:
        for task in (self._watcher, self._beating, *self._connecting, *self._companions):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._grpc is not None:
            await self._grpc.stop(self.settings.shutdown_grace_seconds)
        if self._channel is not None:
            await self._channel.close()
        self._http.should_exit = True
        await self._http_task
        _log.info("service stopped")

    async def run_until_signalled(self) -> None:
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stopping.set)
        await self.start()
        try:
            await stopping.wait()
        finally:
            await self.stop()

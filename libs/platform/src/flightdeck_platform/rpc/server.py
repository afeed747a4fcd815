"""The asyncio gRPC server every service runs: limits, keepalive, health and reflection."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from flightdeck_platform.rpc.services import Servicers, generic_handler
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto.services import ServiceDefinition

PING_INTERVAL_ALLOWED_MS = 10_000
"""flytekit pings every 30 s even without calls; anything at or below that must be welcome."""


def server_options(settings: ServerSettings) -> list[tuple[str, int]]:
    return [
        ("grpc.max_receive_message_length", settings.max_message_bytes),
        ("grpc.max_send_message_length", settings.max_message_bytes),
        ("grpc.max_metadata_size", settings.max_metadata_bytes),
        ("grpc.keepalive_permit_without_calls", 1),
        ("grpc.http2.min_ping_interval_without_data_ms", PING_INTERVAL_ALLOWED_MS),
        ("grpc.http2.min_recv_ping_interval_without_data_ms", PING_INTERVAL_ALLOWED_MS),
        ("grpc.http2.max_ping_strikes", 0),
        ("grpc.keepalive_time_ms", 60_000),
        ("grpc.keepalive_timeout_ms", 20_000),
        ("grpc.so_reuseport", 0),
    ]


class GrpcEndpoint:
    """Owns one grpc.aio server; ``health_names`` are extra names health answers for
    (flyteadmin registers ``flyteadmin``)."""

    def __init__(
        self,
        settings: ServerSettings,
        interceptors: Sequence[grpc.aio.ServerInterceptor],
        services: Iterable[tuple[ServiceDefinition, Servicers]],
        health_names: Sequence[str] = (),
    ) -> None:
        self._settings = settings
        self._server = grpc.aio.server(interceptors=interceptors, options=server_options(settings))
        self._services = list(services)
        self._health = health.aio.HealthServicer()
        self._health_names = ["", *(d.full_name for d, _ in self._services), *health_names]
        self.port = 0
        for definition, servicer in self._services:
            self._server.add_generic_rpc_handlers((generic_handler(definition, servicer),))
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        reflection.enable_server_reflection(
            [
                *(d.full_name for d, _ in self._services),
                health.SERVICE_NAME,
                reflection.SERVICE_NAME,
            ],
            self._server,
        )

    async def start(self) -> int:
        self.port = self._server.add_insecure_port(
            f"{self._settings.host}:{self._settings.grpc_port}"
        )
        await self._server.start()
        await self.set_serving(False)
        return self.port

    async def set_serving(self, serving: bool) -> None:
        status = (
            health_pb2.HealthCheckResponse.SERVING
            if serving
            else health_pb2.HealthCheckResponse.NOT_SERVING
        )
        for name in self._health_names:
            await self._health.set(name, status)

    async def stop(self, grace_seconds: float) -> None:
        await self._health.enter_graceful_shutdown()
        await self._server.stop(grace_seconds)

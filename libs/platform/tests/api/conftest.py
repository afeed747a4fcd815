from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import grpc
import pytest

from flightdeck_platform.rpc.interceptors import standard_chain
from flightdeck_platform.rpc.server import GrpcEndpoint
from flightdeck_platform.settings import ServerSettings

FLYTEKIT_CHANNEL_OPTIONS = [
    ("grpc.max_metadata_size", 32 * 1024),
    ("grpc.max_receive_message_length", 20 * 1024 * 1024),
]
"""What flytekit's channels set; errors must fit through them."""


@pytest.fixture
async def serve() -> AsyncIterator[Callable[..., object]]:
    """Start a real grpc.aio server on a free port with the standard interceptor chain."""
    started: list[tuple[GrpcEndpoint, grpc.aio.Channel]] = []

    async def start(services, health_names=()):  # type: ignore[no-untyped-def]
        endpoint = GrpcEndpoint(
            ServerSettings(grpc_port=0), standard_chain(), services, health_names
        )
        port = await endpoint.start()
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}", options=FLYTEKIT_CHANNEL_OPTIONS)
        started.append((endpoint, channel))
        return endpoint, channel

    yield start
    for endpoint, channel in started:
        await channel.close()
        await endpoint.stop(0)

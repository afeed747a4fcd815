"""Durability: a value SetSignal acknowledged survives a crash of Redis (SIGKILL) with AOF on.

The Redis server here is the test's own (free port, temporary directory, ``appendfsync
always``), never the shared stack's.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import signal
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import signal_pb2_grpc
from redis import exceptions
from redis.asyncio import Redis

from flightdeck_platform.settings import RedisSettings, ServerSettings
from flightdeck_signals.server import wired
from flightdeck_signals.settings import SignalsSettings
from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore

pytestmark = pytest.mark.integration

READY_ATTEMPTS = 200
SIGNAL_ID = identifier_pb2.SignalIdentifier(
    signal_id="approve",
    execution_id=identifier_pb2.WorkflowExecutionIdentifier(
        project="flytesnacks", domain="development", name="durable"
    ),
)
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
VALUE = literals_pb2.Literal(
    scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=42))
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class PrivateRedis:
    """One redis-server process at a time on a fixed port and directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = _free_port()
        self.process: asyncio.subprocess.Process | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    async def start(self) -> None:
        binary = shutil.which("redis-server")
        assert binary is not None, "redis-server is not on PATH"
        self.process = await asyncio.create_subprocess_exec(
            binary,
            *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)),
            *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
            *("--logfile", str(self.directory / "redis.log"), "--daemonize", "no"),
        )
        await self._wait_ready()

    async def _wait_ready(self) -> None:
        client = Redis.from_url(self.url, socket_connect_timeout=0.2)
        try:
            for _ in range(READY_ATTEMPTS):
                with contextlib.suppress(exceptions.ConnectionError):
                    await client.ping()
                    return
                await asyncio.sleep(0.05)
            raise AssertionError(f"private redis on {self.port} did not start")
        finally:
            await client.aclose()

    async def kill(self) -> None:
        """SIGKILL: no shutdown, no final fsync or rewrite."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        await self.process.wait()
        self.process = None


@pytest.fixture
async def private_redis(tmp_path: Path) -> AsyncIterator[PrivateRedis]:
    server = PrivateRedis(tmp_path)
    await server.start()
    try:
        yield server
    finally:
        if server.process is not None:
            await server.kill()


async def test_a_set_value_survives_sigkill_of_redis(private_redis: PrivateRedis) -> None:
    settings = SignalsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        redis=RedisSettings(url=private_redis.url),
    )
    async with wired(settings) as host:
        await host.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
                stub = signal_pb2_grpc.SignalServiceStub(channel)
                await stub.GetOrCreateSignal(
                    signal_pb2.SignalGetOrCreateRequest(id=SIGNAL_ID, type=INT)
                )
                await stub.SetSignal(signal_pb2.SignalSetRequest(id=SIGNAL_ID, value=VALUE))
        finally:
            await host.stop()
    await private_redis.kill()
    await private_redis.start()
    client = Redis.from_url(private_redis.url)
    try:
        stored = await RedisSignalStore(client, SignalKeys(settings.store.key_prefix)).get(
            SIGNAL_ID
        )
    finally:
        await client.aclose()
    assert stored.type == INT and stored.value == VALUE

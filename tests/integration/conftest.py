"""Addresses of the local stack (deploy/local/up), read like the shell scripts read them:
ports.env's defaults, overridden by environment variables of the same names; and the event
pipeline (gateway and projector in-process on that stack, isolated by their own topic prefix,
database and consumer group)."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from aiokafka import AIOKafkaConsumer
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from redis.asyncio import Redis

from flightdeck_events.app import build_process
from flightdeck_events.gateway_server import build_host
from flightdeck_events.settings import GatewaySettings, ProjectorSettings, TopicSettings
from flightdeck_events.store import kafka
from flightdeck_platform import readiness
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import KafkaSettings, MongoSettings, ServerSettings
from flightdeck_records import executions
from flightdeck_storage import StorageConfig, open_store

REPO = Path(__file__).resolve().parents[2]
PORTS_ENV = REPO / "deploy" / "local" / "ports.env"
_DEFAULT = re.compile(r':\s*"\$\{(?P<name>\w+):=(?P<value>[^}]*)\}"')


def _stack_ports() -> dict[str, int]:
    defaults = {m["name"]: m["value"] for m in _DEFAULT.finditer(PORTS_ENV.read_text())}
    return {name: int(os.environ.get(name, value)) for name, value in defaults.items()}


def _require_listening(component: str, port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        pytest.fail(f"{component} is not answering on 127.0.0.1:{port}; run deploy/local/up ({e})")


def stop_process(process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session", name="stop_process")
def stop_process_fixture() -> Callable[..., None]:
    """``stop_process(process, timeout=30)``: see the function of that name."""
    return stop_process


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def stack_ports() -> dict[str, int]:
    return _stack_ports()


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_KAFKA_PORT"]
    _require_listening("kafka", port)
    return f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def mongo_url(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_MONGO_PORT"]
    _require_listening("ferretdb", port)
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


@pytest.fixture(scope="session")
def redis_url(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_REDIS_PORT"]
    _require_listening("redis", port)
    return f"redis://127.0.0.1:{port}/0"


@dataclass
class Pipeline:
    stub: admin_pb2_grpc.AdminServiceStub
    """The first gateway replica; ``replicas`` holds every one."""
    database: AsyncDatabase
    prefix: str
    kafka_bootstrap: str
    storage_root: Path
    projector_settings: ProjectorSettings
    replicas: list[admin_pb2_grpc.AdminServiceStub]

    async def read_topic(self, *names: str, seconds: float = 10.0) -> dict[str, list[bytes]]:
        """Every record of this pipeline's topics ``names`` (unprefixed), by topic."""
        consumer = AIOKafkaConsumer(
            *(self.prefix + name for name in names),
            bootstrap_servers=self.kafka_bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
        )
        await consumer.start()
        try:
            batches = await consumer.getmany(timeout_ms=int(seconds * 1000), max_records=100_000)
        finally:
            await consumer.stop()
        found: dict[str, list[bytes]] = {self.prefix + name: [] for name in names}
        for partition, records in batches.items():
            found[partition.topic].extend(record.value for record in records)
        return found

    def projector_environment(self) -> dict[str, str]:
        """The environment of a projector process joining this pipeline's consumer group."""
        settings = self.projector_settings
        prefix = "FLIGHTDECK_EVENTS_PROJECTOR_"
        return {
            **os.environ,
            f"{prefix}SERVER__HTTP_PORT": "0",
            f"{prefix}KAFKA__BOOTSTRAP_SERVERS": settings.kafka.bootstrap_servers,
            f"{prefix}MONGO__URL": settings.mongo.url,
            f"{prefix}MONGO__DATABASE": settings.mongo.database,
            f"{prefix}STORAGE__LOCAL_ROOT": str(settings.storage.local_root),
            f"{prefix}TOPICS__PREFIX": settings.topics.prefix,
            f"{prefix}TOPICS__PARTITIONS": str(settings.topics.partitions),
            f"{prefix}CONSUMER_GROUP": settings.consumer_group,
            f"{prefix}BATCH_WAIT_MS": str(settings.batch_wait_ms),
        }

    async def seed_execution(
        self, name: str, cluster: str = ""
    ) -> identifier_pb2.WorkflowExecutionIdentifier:
        """An execution as admin records it at creation."""
        execution_id = identifier_pb2.WorkflowExecutionIdentifier(
            project="flytesnacks", domain="development", name=name
        )
        execution = execution_pb2.Execution(id=execution_id)
        execution.closure.created_at.GetCurrentTime()
        execution.spec.metadata.system_metadata.execution_cluster = cluster
        await self.database[executions.COLLECTION].insert_one(
            {
                **executions.identity(execution_id),
                executions.PHASE: "UNDEFINED",
                "blob": execution.SerializeToString(),
            }
        )
        return execution_id

    async def wait_for(self, probe: Callable[[], Awaitable[Any]], seconds: float = 30.0) -> Any:
        """Polls an async probe until it returns something truthy (the projection is eventually
        consistent with the log)."""
        for _ in range(int(seconds / 0.05)):
            if value := await probe():
                return value
            await asyncio.sleep(0.05)
        raise AssertionError(f"the projection did not converge in {seconds}s")


async def wait_ready(host: ServiceHost, seconds: float = 60.0) -> None:
    results: dict[str, str] = {}
    for _ in range(int(seconds / 0.1)):
        if readiness.all_ok(results := await host.refresh_readiness()):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{host.name} not ready: {results}")


@asynccontextmanager
async def running_pipeline(
    kafka_bootstrap: str,
    mongo_url: str,
    redis_url: str,
    storage_root: Path,
    partitions: int = 4,
    projector_in_process: bool = True,
    gateway_replicas: int = 1,
) -> AsyncIterator[Pipeline]:
    """The gateway in-process (``gateway_replicas`` of them, each serving on its own port and
    sharing nothing but Kafka, MongoDB and Redis with the others), and the projector too unless
    the test runs it as a process."""
    run = uuid.uuid4().hex[:8]
    prefix = f"test-{run}."
    database_name = f"events_{run}"
    topics = TopicSettings(partitions=partitions, prefix=prefix)
    mongo = MongoSettings(url=mongo_url, database=database_name)
    server = ServerSettings(grpc_port=0, http_port=0)
    gateway_settings = GatewaySettings(
        server=server,
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, client_id="test-gateway"),
        mongo=mongo,
        topics=topics,
    )
    projector_settings = ProjectorSettings(
        server=server,
        kafka=KafkaSettings(bootstrap_servers=kafka_bootstrap, client_id="test-projector"),
        mongo=mongo,
        topics=topics,
        storage=StorageConfig(local_root=storage_root),
        consumer_group=f"test-projector-{run}",
        batch_wait_ms=10,
    )
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    blobs = await open_store(projector_settings.storage)
    producer = kafka.producer(
        gateway_settings.kafka, topics.max_message_bytes, gateway_settings.producer
    )
    redis = Redis.from_url(redis_url)
    gateways = [
        build_host(gateway_settings, client, producer, redis) for _ in range(gateway_replicas)
    ]
    projector = build_process(projector_settings, client, blobs) if projector_in_process else None
    for gateway in gateways:
        await gateway.start()
    if projector is not None:
        await projector.host.start()
    channels = []
    try:
        for gateway in gateways:
            await wait_ready(gateway)
        if projector is not None:
            await wait_ready(projector.host)
        channels = [
            grpc.aio.insecure_channel(f"127.0.0.1:{gateway.grpc_port}") for gateway in gateways
        ]
        stubs = [admin_pb2_grpc.AdminServiceStub(channel) for channel in channels]
        yield Pipeline(
            stubs[0],
            client[database_name],
            prefix,
            kafka_bootstrap,
            storage_root,
            projector_settings,
            stubs,
        )
    finally:
        for channel in channels:
            await channel.close()
        for gateway in gateways:
            await gateway.stop()
        if projector is not None:
            await projector.host.stop()
            await projector.close()
        await producer.stop()
        await redis.aclose()
        await blobs.close()
        await client.drop_database(database_name)
        await client.close()


@pytest.fixture
async def pipeline(
    kafka_bootstrap: str, mongo_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[Pipeline]:
    async with running_pipeline(
        kafka_bootstrap, mongo_url, redis_url, tmp_path / "storage"
    ) as running:
        yield running


@pytest.fixture
async def pipeline_without_projector(
    kafka_bootstrap: str, mongo_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[Pipeline]:
    """The gateway only: the test runs projector processes itself (to kill them)."""
    async with running_pipeline(
        kafka_bootstrap, mongo_url, redis_url, tmp_path / "storage", projector_in_process=False
    ) as running:
        yield running

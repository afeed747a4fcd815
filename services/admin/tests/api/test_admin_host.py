"""The admin composition root serves GetVersion over gRPC and REST and reports readiness."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from flyteidl.admin import version_pb2
from flyteidl.service import admin_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from flightdeck_admin.messaging import kafka
from flightdeck_admin.server import build_host, outbox_of
from flightdeck_admin.settings import AdminSettings
from flightdeck_admin.store import mongo
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import KafkaSettings, MongoSettings, ServerSettings
from flightdeck_storage import LocalObjectStore

UNREACHABLE_MONGO = MongoSettings(url="mongodb://127.0.0.1:9/", server_selection_timeout_ms=100)
UNREACHABLE_KAFKA = KafkaSettings(bootstrap_servers="127.0.0.1:9")


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    settings = AdminSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        mongo=UNREACHABLE_MONGO,
        kafka=UNREACHABLE_KAFKA,
    )
    client = mongo.connect(settings.mongo, "test")
    blobs = LocalObjectStore(tmp_path)
    producer = kafka.producer(settings.kafka)
    deliveries = outbox_of(client[settings.mongo.database], producer, blobs)
    served = build_host(settings, client, blobs, producer, deliveries)
    await served.start()
    yield served
    await served.stop()
    await producer.stop()
    await client.close()


async def test_get_version_over_grpc(host: ServiceHost) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        response = await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
            version_pb2.GetVersionRequest()
        )
    assert response.control_plane_version.Version
    assert response.control_plane_version.Build


async def test_get_version_over_rest(host: ServiceHost) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client:
        response = await client.get("/api/v1/version")
    assert response.status_code == 200
    assert response.json()["controlPlaneVersion"]["Version"]


async def test_not_ready_while_mongo_is_unreachable(host: ServiceHost) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client:
        ready = await client.get("/readyz")
        alive = await client.get("/healthcheck")
    assert alive.status_code == 200
    assert ready.status_code == 503
    assert ready.json()["checks"]["mongo"].startswith("failing")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        health = await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.HealthCheckRequest(service="flyteadmin")
        )
    assert health.status == health_pb2.HealthCheckResponse.NOT_SERVING


async def test_the_outbox_metrics_are_served(host: ServiceHost) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    for name in (
        "flightdeck_admin_outbox_backlog_messages",
        "flightdeck_admin_outbox_oldest_pending_age_seconds",
        "flightdeck_admin_outbox_relay_failures_total",
        "flightdeck_admin_outbox_parked_total",
        "flightdeck_admin_outbox_delivered_total",
    ):
        assert f"# TYPE {name} " in response.text, name

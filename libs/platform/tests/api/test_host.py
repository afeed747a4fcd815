"""A ServiceHost's /readyz and gRPC health tell the same story at every moment."""

from __future__ import annotations

import asyncio
import time

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto import services


async def test_readyz_and_health_agree_as_a_dependency_comes_and_goes() -> None:
    dependency_up = False

    async def probe() -> None:
        if not dependency_up:
            raise ConnectionRefusedError("dependency is down")

    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0),
        services=[(services.SIGNAL, None)],
        probes={"dependency": probe},
    )
    await host.start()
    try:
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http,
            grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel,
        ):
            health = health_pb2_grpc.HealthStub(channel)
            for up, http_status, serving in (
                (False, 503, health_pb2.HealthCheckResponse.NOT_SERVING),
                (True, 200, health_pb2.HealthCheckResponse.SERVING),
                (False, 503, health_pb2.HealthCheckResponse.NOT_SERVING),
            ):
                dependency_up = up
                assert (await http.get("/readyz")).status_code == http_status
                for name in ("", "flyteidl.service.SignalService"):
                    answer = await health.Check(health_pb2.HealthCheckRequest(service=name))
                    assert answer.status == serving, (up, name)
    finally:
        await host.stop()


async def test_not_ready_until_every_connector_has_succeeded() -> None:
    attempts: list[int] = []

    async def apply_indexes() -> None:
        attempts.append(1)
        if len(attempts) < 3:
            raise ConnectionResetError("database restarting")

    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0),
        services=[(services.SIGNAL, None)],
        connectors={"indexes": apply_indexes},
    )
    await host.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
            first = await http.get("/readyz")
            assert first.status_code == 503
            assert first.json()["checks"]["indexes"] == "failing: still connecting"
            for _ in range(100):
                if (await http.get("/readyz")).status_code == 200:
                    break
                await asyncio.sleep(0.05)
            assert (await http.get("/readyz")).status_code == 200
        assert len(attempts) == 3
    finally:
        await host.stop()


async def test_an_informational_probe_is_reported_without_gating_readiness() -> None:
    async def answers() -> None:
        return None

    async def broker_down() -> None:
        raise ConnectionRefusedError("broker is down")

    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0),
        services=[(services.SIGNAL, None)],
        probes={"database": answers},
        informational_probes={"broker": broker_down},
    )
    await host.start()
    try:
        async with (
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http,
            grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel,
        ):
            ready = await http.get("/readyz")
            health = await health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest()
            )
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok"}
        assert ready.json()["informational"]["broker"].startswith("failing")
        assert health.status == health_pb2.HealthCheckResponse.SERVING
    finally:
        await host.stop()


async def test_healthcheck_fails_once_the_event_loop_was_blocked_too_long() -> None:
    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0, max_loop_lag_seconds=0.3),
    )
    await host.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
            responsive = await http.get("/healthcheck")
            # What a synchronous driver call or a CPU-bound parse does to the loop.
            time.sleep(1.0)  # noqa: ASYNC251
            blocked = await http.get("/healthcheck")
        assert responsive.status_code == 200
        assert responsive.json()["status"] == "ok"
        assert blocked.status_code == 503
        assert blocked.json()["status"] == "event loop blocked"
        assert blocked.json()["loop_lag_seconds"] > 0.3
    finally:
        await host.stop()

"""SignalService over a real gRPC server and the REST gateway the host derives from the
descriptors, on the in-memory store: codes, details and routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable
from typing import Any

import grpc
import httpx
import pytest
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import signal_pb2_grpc

from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import RedisSettings, ServerSettings
from flightdeck_signals.server import build_host, wired
from flightdeck_signals.settings import SignalsSettings
from flightdeck_signals.store.memory import InMemorySignalStore

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(
    project="flytesnacks", domain="development", name="abc"
)
SETTINGS = SignalsSettings(server=ServerSettings(grpc_port=0, http_port=0))


def _id(signal_id: str) -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=EXECUTION)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


@pytest.fixture
async def host() -> AsyncIterator[ServiceHost]:
    served = build_host(SETTINGS, InMemorySignalStore(), probes={})
    await served.start()
    yield served
    await served.stop()


@pytest.fixture
async def stub(host: ServiceHost) -> AsyncIterator[signal_pb2_grpc.SignalServiceStub]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        yield signal_pb2_grpc.SignalServiceStub(channel)


@pytest.fixture
async def rest(host: ServiceHost) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client:
        yield client


async def _failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


async def test_each_failure_kind_has_its_code_and_a_message_naming_the_problem(
    stub: signal_pb2_grpc.SignalServiceStub,
) -> None:
    await stub.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=_id("x"), type=INT))
    cases = [
        (
            stub.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=_id("x"))),
            grpc.StatusCode.INVALID_ARGUMENT,
            "missing type",
        ),
        (
            stub.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=_id("x"), type=BOOL)),
            grpc.StatusCode.ALREADY_EXISTS,
            "requested type [simple:BOOLEAN]",
        ),
        (
            stub.SetSignal(signal_pb2.SignalSetRequest(id=_id("nope"), value=_int(1))),
            grpc.StatusCode.NOT_FOUND,
            "failed to validate that signal [nope] of execution",
        ),
        (
            stub.SetSignal(
                signal_pb2.SignalSetRequest(
                    id=_id("x"),
                    value=literals_pb2.Literal(
                        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(boolean=True))
                    ),
                )
            ),
            grpc.StatusCode.INVALID_ARGUMENT,
            "Expected [simple:INTEGER], but got [simple:BOOLEAN]",
        ),
        (
            stub.ListSignals(signal_pb2.SignalListRequest(limit=3)),
            grpc.StatusCode.INVALID_ARGUMENT,
            "missing execution_id",
        ),
    ]
    for call, code, message in cases:
        failure = await _failure(call)
        assert failure.code() is code, message
        assert message in (failure.details() or ""), failure.details()


async def test_rest_set_then_list(
    stub: signal_pb2_grpc.SignalServiceStub, rest: httpx.AsyncClient
) -> None:
    await stub.GetOrCreateSignal(signal_pb2.SignalGetOrCreateRequest(id=_id("extra"), type=INT))
    body = {
        "id": {
            "signal_id": "extra",
            "execution_id": {"project": "flytesnacks", "domain": "development", "name": "abc"},
        },
        "value": {"scalar": {"primitive": {"integer": "5"}}},
    }
    assert (await rest.post("/api/v1/signals", json=body)).status_code == 200
    listed = await rest.get("/api/v1/signals/flytesnacks/development/abc", params={"limit": 5})
    assert listed.status_code == 200
    (signal,) = listed.json()["signals"]
    assert signal["id"]["signalId"] == "extra"
    assert signal["type"]["simple"] == "INTEGER"
    assert signal["value"]["scalar"]["primitive"]["integer"] == "5"


async def test_rest_refusals_keep_their_codes(rest: httpx.AsyncClient) -> None:
    body = {
        "id": {
            "signal_id": "nope",
            "execution_id": {"project": "flytesnacks", "domain": "development", "name": "abc"},
        },
        "value": {"scalar": {"primitive": {"integer": "5"}}},
    }
    unknown = await rest.post("/api/v1/signals", json=body)
    assert unknown.status_code == 404
    assert "signal [nope]" in unknown.json()["message"]
    no_limit = await rest.get("/api/v1/signals/flytesnacks/development/abc")
    assert no_limit.status_code == 400
    assert "invalid value for limit" in no_limit.json()["message"]


async def test_redis_out_of_reach_is_unavailable_and_not_ready() -> None:
    settings = SignalsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        redis=RedisSettings(url="redis://127.0.0.1:9/0"),
    )
    async with wired(settings) as served:
        await served.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{served.grpc_port}") as channel:
                failure = await _failure(
                    signal_pb2_grpc.SignalServiceStub(channel).GetOrCreateSignal(
                        signal_pb2.SignalGetOrCreateRequest(id=_id("x"), type=INT)
                    )
                )
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{served.http_port}") as c:
                ready = await c.get("/readyz")
        finally:
            await served.stop()
    assert failure.code() is grpc.StatusCode.UNAVAILABLE
    assert "redis is unavailable" in (failure.details() or "")
    assert ready.status_code == 503 and ready.json()["checks"]["redis"].startswith("failing")

"""The signals service as its composition root builds it, over gRPC, on the stack's Redis."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from flyteidl.admin import common_pb2, signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import signal_pb2_grpc
from redis.asyncio import Redis

from flightdeck_platform.settings import RedisSettings, ServerSettings
from flightdeck_signals.server import wired
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.settings import RetentionSettings, SignalsSettings, SignalStoreSettings
from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore

pytestmark = pytest.mark.integration

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
Stub = signal_pb2_grpc.SignalServiceStub


def _execution(name: str = "abc") -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project="flytesnacks", domain="development", name=name
    )


def _id(signal_id: str, name: str = "abc") -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=_execution(name))


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _text(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value))
    )


def _create(signal_id: str, kind: types_pb2.LiteralType = INT, name: str = "abc") -> Any:
    return signal_pb2.SignalGetOrCreateRequest(id=_id(signal_id, name), type=kind)


def _set(signal_id: str, value: literals_pb2.Literal, name: str = "abc") -> Any:
    return signal_pb2.SignalSetRequest(id=_id(signal_id, name), value=value)


def _settings(url: str, prefix: str, retention: RetentionSettings) -> SignalsSettings:
    return SignalsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        redis=RedisSettings(url=url),
        store=SignalStoreSettings(key_prefix=prefix),
        retention=retention,
    )


async def _serve(settings: SignalsSettings) -> AsyncIterator[Stub]:
    async with wired(settings) as host:
        await host.start()
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
                yield Stub(channel)
        finally:
            await host.stop()


@pytest.fixture
async def signals(
    stack_redis_url: str, key_prefix: str, redis_client: Redis
) -> AsyncIterator[Stub]:
    async for stub in _serve(_settings(stack_redis_url, key_prefix, RetentionSettings())):
        yield stub


async def _failure(call: Awaitable[Any]) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


async def _list_all(signals: Stub, limit: int, **fields: Any) -> tuple[list[str], int]:
    request = signal_pb2.SignalListRequest(
        workflow_execution_id=_execution(), limit=limit, **fields
    )
    listed, pages = [], 0
    while True:
        response = await signals.ListSignals(request)
        pages += 1
        listed.extend(s.id.signal_id for s in response.signals)
        if not response.token:
            return listed, pages
        request.token = response.token


async def test_50_concurrent_get_or_create_store_one_signal(
    signals: Stub, redis_client: Redis, key_prefix: str
) -> None:
    replies = await asyncio.gather(*(signals.GetOrCreateSignal(_create("g")) for _ in range(50)))
    assert all(reply == signal_pb2.Signal(id=_id("g"), type=INT) for reply in replies)
    assert await _list_all(signals, 10) == (["g"], 1)
    assert await redis_client.hlen(f"{key_prefix}:{{flytesnacks/development/abc}}:types") == 1


async def test_50_concurrent_sets_all_succeed_each_taking_effect_in_turn(
    signals: Stub, redis_client: Redis, key_prefix: str
) -> None:
    """The reference overwrites: no set fails for an earlier one, none is lost in between."""
    await signals.GetOrCreateSignal(_create("extra"))
    await asyncio.gather(*(signals.SetSignal(_set("extra", _int(i))) for i in range(50)))
    events = await redis_client.xrange(f"{key_prefix}:{{flytesnacks/development/abc}}:events")
    assert [int(fields[b"set"]) for _, fields in events] == list(range(1, 51))
    stored = await signals.GetOrCreateSignal(_create("extra"))
    assert stored.value.scalar.primitive.integer in range(50)


async def test_a_mistyped_value_is_invalid_argument_naming_both_types(signals: Stub) -> None:
    await signals.GetOrCreateSignal(_create("extra"))
    failure = await _failure(signals.SetSignal(_set("extra", _text("five"))))
    assert failure.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "Expected [simple:INTEGER], but got [simple:STRING]" in (failure.details() or "")
    assert not (await signals.GetOrCreateSignal(_create("extra"))).HasField("value")


async def test_set_of_an_unknown_signal_is_not_found(signals: Stub) -> None:
    failure = await _failure(signals.SetSignal(_set("nope", _int(1))))
    assert failure.code() is grpc.StatusCode.NOT_FOUND
    assert "signal [nope] of execution [flytesnacks/development/abc]" in (failure.details() or "")


async def test_get_or_create_with_another_type_already_exists(signals: Stub) -> None:
    await signals.GetOrCreateSignal(_create("extra"))
    failure = await _failure(signals.GetOrCreateSignal(_create("extra", BOOL)))
    assert failure.code() is grpc.StatusCode.ALREADY_EXISTS
    assert "[simple:INTEGER]" in (failure.details() or "")


async def test_listing_pages_through_500_signals_exactly_once(signals: Stub) -> None:
    names = [f"s{i:03}" for i in range(500)]
    for start in range(0, 500, 50):
        batch = names[start : start + 50]
        await asyncio.gather(*(signals.GetOrCreateSignal(_create(n)) for n in batch))
    listed, pages = await _list_all(signals, 37)
    assert sorted(listed) == names and pages == 14
    by_name, _ = await _list_all(
        signals, 100, sort_by=common_pb2.Sort(key="signal_id", direction=1)
    )
    assert by_name == names


async def test_list_refusals_name_the_problem(signals: Stub) -> None:
    cases = {
        "missing execution_id": signal_pb2.SignalListRequest(limit=1),
        "invalid value for limit": signal_pb2.SignalListRequest(workflow_execution_id=_execution()),
        "'s.type' is invalid filter": signal_pb2.SignalListRequest(
            workflow_execution_id=_execution(), limit=1, filters="eq(type,x)"
        ),
        "invalid pagination token x for ListSignals": signal_pb2.SignalListRequest(
            workflow_execution_id=_execution(), limit=1, token="x"
        ),
    }
    for message, request in cases.items():
        failure = await _failure(signals.ListSignals(request))
        assert failure.code() is grpc.StatusCode.INVALID_ARGUMENT, message
        assert message in (failure.details() or "")


async def test_a_waiter_wakes_when_the_signal_is_set(
    signals: Stub, redis_store: RedisSignalStore
) -> None:
    """The waiter blocks on the execution's stream with a 60 s budget; it must return soon
    after the set (and after an unrelated set in the same execution, keep waiting)."""
    await signals.GetOrCreateSignal(_create("extra"))
    await signals.GetOrCreateSignal(_create("other"))
    waiter = asyncio.create_task(redis_store.wait_for_signal(_id("extra"), 60))
    await asyncio.sleep(0.2)
    await signals.SetSignal(_set("other", _int(1)))
    await asyncio.sleep(0.2)
    assert not waiter.done()
    await signals.SetSignal(_set("extra", _int(42)))
    woken = await asyncio.wait_for(waiter, 5)
    assert woken.value == _int(42) and woken.id == _id("extra")


async def test_a_waiter_returns_at_once_when_set_and_times_out_when_not(
    signals: Stub, redis_store: RedisSignalStore
) -> None:
    await signals.GetOrCreateSignal(_create("extra"))
    await signals.GetOrCreateSignal(_create("never"))
    await signals.SetSignal(_set("extra", _int(3)))
    assert (await redis_store.wait_for_signal(_id("extra"), 0.01)).value == _int(3)
    with pytest.raises(TimeoutError, match=r"signal \[never\] .* was not set within 0.2s"):
        await redis_store.wait_for_signal(_id("never"), 0.2)


async def test_a_long_wait_outlasts_the_client_socket_timeout(
    stack_redis_url: str, key_prefix: str, redis_store: RedisSignalStore
) -> None:
    """Blocking reads are renewed in slices shorter than the socket timeout, which would
    otherwise end the wait with an error."""
    client = Redis.from_url(stack_redis_url, socket_timeout=0.3)
    impatient = RedisSignalStore(client, SignalKeys(key_prefix), wait_slice_seconds=0.1)
    try:
        await redis_store.get_or_create(signal_pb2.Signal(id=_id("extra"), type=INT))
        waiter = asyncio.create_task(impatient.wait_for_signal(_id("extra"), 30))
        await asyncio.sleep(1.0)
        assert not waiter.done()
        await redis_store.set_value(_id("extra"), INT, _int(9))
        assert (await asyncio.wait_for(waiter, 5)).value == _int(9)
    finally:
        await client.aclose()


async def test_the_service_sweeps_signals_of_executions_terminal_past_retention(
    stack_redis_url: str, key_prefix: str, redis_client: Redis, redis_store: RedisSignalStore
) -> None:
    short = RetentionSettings(period_seconds=0.3, sweep_interval_seconds=0.05)
    async for signals in _serve(_settings(stack_redis_url, key_prefix, short)):
        for name in ["done", "running"]:
            await signals.GetOrCreateSignal(_create("extra", name=name))
        retention = Retention(redis_store, timedelta(seconds=0.3))
        await retention.mark_execution_terminal(_execution("done"), datetime.now(UTC))
        request = signal_pb2.SignalListRequest(workflow_execution_id=_execution("done"), limit=5)
        assert len((await signals.ListSignals(request)).signals) == 1  # not yet expired
        for _ in range(100):
            if not (await signals.ListSignals(request)).signals:
                break
            await asyncio.sleep(0.05)
        assert not (await signals.ListSignals(request)).signals
        running = signal_pb2.SignalListRequest(workflow_execution_id=_execution("running"), limit=5)
        assert len((await signals.ListSignals(running)).signals) == 1
        assert await redis_client.zcard(f"{key_prefix}:terminal") == 0
        assert not await redis_client.exists(f"{key_prefix}:{{flytesnacks/development/done}}:types")

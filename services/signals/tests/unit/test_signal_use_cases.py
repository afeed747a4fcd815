"""The use cases over the in-memory store: the reference's rules end to end, without Redis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flyteidl.admin import common_pb2, signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_platform import faults
from flightdeck_signals.domain.errors import (
    MissingField,
    SignalChanged,
    SignalNotFound,
    SignalTypeConflict,
    SignalValueMismatch,
)
from flightdeck_signals.service.retention import Retention
from flightdeck_signals.service.signals import SET_ATTEMPTS, Signals
from flightdeck_signals.store.memory import InMemorySignalStore

EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(
    project="flytesnacks", domain="development", name="abc"
)
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)


def _id(signal_id: str, name: str = "abc") -> identifier_pb2.SignalIdentifier:
    execution = identifier_pb2.WorkflowExecutionIdentifier(
        project="flytesnacks", domain="development", name=name
    )
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=execution)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _create(signal_id: str, kind: types_pb2.LiteralType = INT, name: str = "abc"):  # type: ignore[no-untyped-def]
    return signal_pb2.SignalGetOrCreateRequest(id=_id(signal_id, name), type=kind)


def _set(signal_id: str, value: literals_pb2.Literal) -> signal_pb2.SignalSetRequest:
    return signal_pb2.SignalSetRequest(id=_id(signal_id), value=value)


@pytest.fixture
def store() -> InMemorySignalStore:
    return InMemorySignalStore()


@pytest.fixture
def use_cases(store: InMemorySignalStore) -> Signals:
    return Signals(store)


async def test_get_or_create_is_idempotent_and_returns_the_value_once_set(
    use_cases: Signals,
) -> None:
    created = await use_cases.get_or_create(_create("extra"))
    assert created == signal_pb2.Signal(id=_id("extra"), type=INT)
    assert await use_cases.get_or_create(_create("extra")) == created
    await use_cases.set(_set("extra", _int(7)))
    again = await use_cases.get_or_create(_create("extra"))
    assert again.value == _int(7)


async def test_get_or_create_with_another_type_already_exists(use_cases: Signals) -> None:
    await use_cases.get_or_create(_create("extra"))
    with pytest.raises(SignalTypeConflict, match=r"\[simple:INTEGER\].*\[simple:BOOLEAN\]"):
        await use_cases.get_or_create(_create("extra", BOOL))


async def test_setting_twice_overwrites(use_cases: Signals) -> None:
    await use_cases.get_or_create(_create("extra"))
    assert await use_cases.set(_set("extra", _int(1))) == 1
    assert await use_cases.set(_set("extra", _int(2))) == 2
    assert (await use_cases.get_or_create(_create("extra"))).value == _int(2)


async def test_set_of_an_unknown_signal_is_not_found(use_cases: Signals) -> None:
    with pytest.raises(SignalNotFound, match=r"signal \[nope\] of execution"):
        await use_cases.set(_set("nope", _int(1)))


async def test_a_mistyped_value_is_refused_and_nothing_is_written(use_cases: Signals) -> None:
    await use_cases.get_or_create(_create("approve", BOOL))
    with pytest.raises(SignalValueMismatch, match=r"\[simple:BOOLEAN\].*\[simple:INTEGER\]"):
        await use_cases.set(_set("approve", _int(1)))
    assert not (await use_cases.get_or_create(_create("approve", BOOL))).HasField("value")


async def test_requests_are_checked_before_any_store_call(use_cases: Signals) -> None:
    with pytest.raises(MissingField, match="missing value"):
        await use_cases.set(signal_pb2.SignalSetRequest(id=_id("x")))
    with pytest.raises(MissingField, match="missing type"):
        await use_cases.get_or_create(signal_pb2.SignalGetOrCreateRequest(id=_id("x")))
    with pytest.raises(faults.InvalidArgument, match="invalid value for limit"):
        await use_cases.list(signal_pb2.SignalListRequest(workflow_execution_id=EXECUTION))


async def test_a_set_racing_a_replacement_retries_then_gives_up(
    store: InMemorySignalStore, use_cases: Signals
) -> None:
    """A store that always reports the type changed: the use case retries, then reports it."""
    calls = 0

    async def always_changed(*_: object) -> int:
        nonlocal calls
        calls += 1
        raise SignalChanged("changed")

    await use_cases.get_or_create(_create("extra"))
    store.set_value = always_changed  # type: ignore[method-assign]
    with pytest.raises(SignalChanged, match=f"replaced {SET_ATTEMPTS} times"):
        await use_cases.set(_set("extra", _int(1)))
    assert calls == SET_ATTEMPTS


async def test_list_pages_one_execution_in_creation_order(use_cases: Signals) -> None:
    for signal_id in ["c", "a", "b"]:
        await use_cases.get_or_create(_create(signal_id))
    await use_cases.get_or_create(_create("other", name="elsewhere"))
    request = signal_pb2.SignalListRequest(workflow_execution_id=EXECUTION, limit=2)
    first = await use_cases.list(request)
    request.token = first.token
    second = await use_cases.list(request)
    assert [s.id.signal_id for s in [*first.signals, *second.signals]] == ["c", "a", "b"]
    assert second.token == ""
    by_name = await use_cases.list(
        signal_pb2.SignalListRequest(
            workflow_execution_id=EXECUTION,
            limit=5,
            sort_by=common_pb2.Sort(key="signal_id", direction=common_pb2.Sort.ASCENDING),
            filters="ne(signal_id,b)",
        )
    )
    assert [s.id.signal_id for s in by_name.signals] == ["a", "c"]


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


async def test_retention_sweeps_executions_terminal_longer_than_the_period(
    store: InMemorySignalStore, use_cases: Signals
) -> None:
    clock = _Clock()
    retention = Retention(store, timedelta(hours=1), batch_size=2, clock=clock)
    for name in ["old1", "old2", "old3", "recent", "running"]:
        await use_cases.get_or_create(_create("extra", name=name))
    for name in ["old1", "old2", "old3"]:
        await retention.mark_execution_terminal(_id("x", name).execution_id, clock.now)
    await retention.mark_execution_terminal(
        _id("x", "recent").execution_id, clock.now + timedelta(minutes=30)
    )
    clock.now += timedelta(hours=1)
    assert await retention.sweep() == 3  # two batches
    for name, kept in [("old1", 0), ("old3", 0), ("recent", 1), ("running", 1)]:
        listed = await use_cases.list(
            signal_pb2.SignalListRequest(workflow_execution_id=_id("x", name).execution_id, limit=5)
        )
        assert len(listed.signals) == kept, name
    assert await retention.sweep() == 0
    clock.now += timedelta(minutes=30)
    assert await retention.sweep() == 1


async def test_marking_an_incomplete_execution_is_refused(store: InMemorySignalStore) -> None:
    retention = Retention(store, timedelta(hours=1))
    with pytest.raises(MissingField, match="missing execution_id"):
        await retention.mark_execution_terminal(
            identifier_pb2.WorkflowExecutionIdentifier(project="p"), datetime.now(UTC)
        )

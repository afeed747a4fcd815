"""The SignalStore and TerminalExecutions contract, run against the fake and real Redis."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flyteidl.admin import common_pb2, signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_listing import plan_listing
from flightdeck_listing.signals import SIGNALS
from flightdeck_signals.domain.errors import SignalChanged, SignalNotFound
from flightdeck_signals.store.memory import InMemorySignalStore
from flightdeck_signals.store.signals import RedisSignalStore

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def _execution(name: str = "abc") -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project="flytesnacks", domain="development", name=name
    )


def _id(signal_id: str, name: str = "abc") -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=_execution(name))


def _signal(signal_id: str, kind: types_pb2.LiteralType = INT, name: str = "abc") -> Any:
    return signal_pb2.Signal(id=_id(signal_id, name), type=kind)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


async def _all_ids(store: Any, name: str = "abc", limit: int = 7, **plan: Any) -> list[str]:
    """Every signal id of the execution, page after page."""
    listed, token = [], ""
    while True:
        page, token = await store.list_page(
            _execution(name),
            plan_listing(SIGNALS, plan.get("filters", ""), plan.get("sort"), limit, token),
        )
        listed.extend(signal.id.signal_id for signal in page)
        if not token:
            return listed


class SignalStoreContract:
    async def test_get_or_create_stores_once_and_returns_what_is_stored(self, store: Any) -> None:
        first = await store.get_or_create(_signal("extra"))
        again = await store.get_or_create(_signal("extra", BOOL))
        assert first == again == _signal("extra")
        assert await store.get(_id("extra")) == first

    async def test_get_of_an_unknown_signal_is_not_found(self, store: Any) -> None:
        await store.get_or_create(_signal("extra", name="other"))
        with pytest.raises(SignalNotFound, match=r"signal \[extra\] of execution \[.*/abc\]"):
            await store.get(_id("extra"))

    async def test_set_value_overwrites_and_counts_the_sets(self, store: Any) -> None:
        await store.get_or_create(_signal("extra"))
        assert await store.set_value(_id("extra"), INT, _int(1)) == 1
        assert await store.set_value(_id("extra"), INT, _int(2)) == 2
        assert (await store.get(_id("extra"))).value == _int(2)
        assert (await store.get_or_create(_signal("extra"))).value == _int(2)

    async def test_set_value_of_an_unknown_signal_is_not_found(self, store: Any) -> None:
        with pytest.raises(SignalNotFound):
            await store.set_value(_id("nope"), INT, _int(1))
        with pytest.raises(SignalNotFound):
            await store.get(_id("nope"))

    async def test_set_value_checked_against_another_type_writes_nothing(self, store: Any) -> None:
        await store.get_or_create(_signal("extra"))
        with pytest.raises(SignalChanged):
            await store.set_value(_id("extra"), BOOL, _int(1))
        assert not (await store.get(_id("extra"))).HasField("value")
        assert await store.set_value(_id("extra"), INT, _int(1)) == 1

    async def test_concurrent_get_or_create_stores_one_signal(self, store: Any) -> None:
        kinds = [INT if i % 2 else BOOL for i in range(50)]
        stored = await asyncio.gather(*(store.get_or_create(_signal("g", k)) for k in kinds))
        assert len({s.SerializeToString() for s in stored}) == 1
        assert await _all_ids(store) == ["g"]

    async def test_concurrent_sets_take_effect_one_after_another_and_the_last_stays(
        self, store: Any
    ) -> None:
        await store.get_or_create(_signal("extra"))
        counts = await asyncio.gather(
            *(store.set_value(_id("extra"), INT, _int(i)) for i in range(50))
        )
        assert sorted(counts) == list(range(1, 51))
        last = counts.index(50)
        assert (await store.get(_id("extra"))).value == _int(last)

    async def test_listing_pages_through_500_signals_exactly_once(self, store: Any) -> None:
        names = [f"s{i:03}" for i in range(500)]
        for start in range(0, 500, 50):
            await asyncio.gather(
                *(store.get_or_create(_signal(n)) for n in names[start : start + 50])
            )
        await store.get_or_create(_signal("elsewhere", name="other"))
        in_order = await _all_ids(store, limit=37)
        assert len(in_order) == 500 and set(in_order) == set(names)
        by_name = await _all_ids(
            store, limit=64, sort=common_pb2.Sort(key="signal_id", direction=1)
        )
        assert by_name == names

    async def test_default_order_is_creation_order(self, store: Any) -> None:
        for signal_id in ["c", "a", "b"]:
            await store.get_or_create(_signal(signal_id))
        assert await _all_ids(store, limit=2) == ["c", "a", "b"]

    async def test_index_order_and_filtered_order_agree_in_both_directions(
        self, store: Any
    ) -> None:
        """Unfiltered pages come off the creation index; filtered ones are sorted in memory."""
        created = [f"s{(i * 7) % 23:02}" for i in range(23)]
        for signal_id in created:
            await store.get_or_create(_signal(signal_id))
        for direction, expected in [(1, created), (0, created[::-1])]:
            sort = common_pb2.Sort(key="created_at", direction=direction)
            assert await _all_ids(store, limit=5, sort=sort) == expected
            assert await _all_ids(store, limit=5, sort=sort, filters="ne(signal_id,x)") == expected

    async def test_offset_tokens_are_read_on_every_path(self, store: Any) -> None:
        for signal_id in ["c", "a", "e", "b", "d"]:
            await store.get_or_create(_signal(signal_id))
        for filters in ["", "ne(signal_id,x)"]:
            page, token = await store.list_page(
                _execution(), plan_listing(SIGNALS, filters, None, 2, "2")
            )
            assert [s.id.signal_id for s in page] == ["e", "b"]
            rest, last = await store.list_page(
                _execution(), plan_listing(SIGNALS, filters, None, 2, token)
            )
            assert [s.id.signal_id for s in rest] == ["d"] and last == ""

    async def test_a_cursor_into_a_removed_execution_lists_nothing(self, store: Any) -> None:
        for signal_id in ["a", "b", "c"]:
            await store.get_or_create(_signal(signal_id))
        _, token = await store.list_page(_execution(), plan_listing(SIGNALS, "", None, 1, ""))
        await store.mark_terminal(_execution(), T0)
        assert await store.remove_terminal_before(T0, 10) == 1
        page, last = await store.list_page(_execution(), plan_listing(SIGNALS, "", None, 1, token))
        assert (page, last) == ([], "")

    async def test_listing_filters_on_stored_columns(self, store: Any) -> None:
        for signal_id in ["a", "b", "c"]:
            await store.get_or_create(_signal(signal_id))
        await store.set_value(_id("b"), INT, _int(1))
        page, _ = await store.list_page(
            _execution(), plan_listing(SIGNALS, "ne(signal_id,c)", None, 10, "")
        )
        assert [(s.id.signal_id, s.HasField("value")) for s in page] == [("a", False), ("b", True)]
        assert page[1].value == _int(1) and page[1].type == INT
        newest, _ = await store.list_page(
            _execution(),
            plan_listing(SIGNALS, "", common_pb2.Sort(key="updated_at"), 1, ""),
        )
        assert [s.id.signal_id for s in newest] == ["b"]

    async def test_remove_terminal_before_removes_only_expired_executions(self, store: Any) -> None:
        for name in ["old", "new", "running"]:
            await store.get_or_create(_signal("extra", name=name))
        await store.mark_terminal(_execution("old"), T0)
        await store.mark_terminal(_execution("new"), T0 + timedelta(seconds=10))
        assert await store.remove_terminal_before(T0 + timedelta(seconds=5), 10) == 1
        with pytest.raises(SignalNotFound):
            await store.get(_id("extra", "old"))
        assert await _all_ids(store, name="old") == []
        assert await _all_ids(store, name="new") == ["extra"]
        assert await store.remove_terminal_before(T0 + timedelta(seconds=5), 10) == 0
        assert await store.remove_terminal_before(T0 + timedelta(seconds=10), 10) == 1
        assert await _all_ids(store, name="running") == ["extra"]

    async def test_remove_terminal_before_works_in_batches(self, store: Any) -> None:
        for name in ["a", "b", "c"]:
            await store.get_or_create(_signal("extra", name=name))
            await store.mark_terminal(_execution(name), T0)
        assert await store.remove_terminal_before(T0, 2) == 2
        assert await store.remove_terminal_before(T0, 2) == 1
        assert await store.remove_terminal_before(T0, 2) == 0


class TestInMemorySignalStore(SignalStoreContract):
    @pytest.fixture
    def store(self) -> InMemorySignalStore:
        return InMemorySignalStore()


@pytest.mark.integration
class TestRedisSignalStore(SignalStoreContract):
    @pytest.fixture
    def store(self, redis_store: RedisSignalStore) -> RedisSignalStore:
        return redis_store

    async def test_values_are_stored_as_serialized_protobuf_under_the_execution_index(
        self, store: RedisSignalStore, redis_client: Any, key_prefix: str
    ) -> None:
        await store.get_or_create(_signal("extra"))
        await store.set_value(_id("extra"), INT, _int(5))
        tag = "flytesnacks/development/abc"
        stored_type = await redis_client.hget(f"{key_prefix}:{{{tag}}}:types", "extra")
        value = await redis_client.hget(f"{key_prefix}:{{{tag}}}:values", "extra")
        assert types_pb2.LiteralType.FromString(stored_type) == INT
        assert literals_pb2.Literal.FromString(value) == _int(5)

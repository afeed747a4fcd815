from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flyteidl.admin import matchable_resource_pb2 as mr
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain.attributes import AttributeKey, MatchableRecord, updated
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.store.attributes import (
    COLLECTION,
    MongoMatchableAttributeStore,
)
from flightdeck_admin.store.memory_attributes import InMemoryMatchableAttributeStore

QUEUE = mr.MatchableResource.EXECUTION_QUEUE
LABEL = mr.MatchableResource.EXECUTION_CLUSTER_LABEL
PLUGIN = mr.MatchableResource.PLUGIN_OVERRIDE


def _queue(*tags: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(execution_queue_attributes=mr.ExecutionQueueAttributes(tags=tags))


def _label(value: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(execution_cluster_label=mr.ExecutionClusterLabel(value=value))


def _override(task_type: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(
        plugin_overrides=mr.PluginOverrides(overrides=[mr.PluginOverride(task_type=task_type)])
    )


def _queue_at(*scope: str) -> MatchableRecord:
    return MatchableRecord(AttributeKey(QUEUE, *scope), _queue("/".join(scope)))


def _tags(record: MatchableRecord) -> list[str]:
    return list(record.attributes.execution_queue_attributes.tags)


class MatchableAttributeStoreContract:
    """What every MatchableAttributeStore must do; subclasses supply the backend."""

    async def test_put_then_get_exactly_that_key(self, store: Any) -> None:
        await store.put(_queue_at("p", "d"))
        stored = await store.get(AttributeKey(QUEUE, "p", "d"))
        assert stored.key == AttributeKey(QUEUE, "p", "d")
        assert _tags(stored) == ["p/d"]
        with pytest.raises(EntityNotFound) as raised:
            await store.get(AttributeKey(QUEUE, "p"))
        assert raised.value.message == (
            "Resource [{Project:p Domain: Workflow: LaunchPlan: ResourceType:EXECUTION_QUEUE}]"
            " not found"
        )

    async def test_put_replaces_the_whole_value(self, store: Any) -> None:
        await store.put(MatchableRecord(AttributeKey(QUEUE, "p", "d"), _queue("a", "b")))
        await store.put(MatchableRecord(AttributeKey(QUEUE, "p", "d"), _queue("c")))
        assert _tags(await store.get(AttributeKey(QUEUE, "p", "d"))) == ["c"]
        assert len(await store.list(QUEUE)) == 1

    async def test_keys_differing_in_any_part_or_type_are_separate(self, store: Any) -> None:
        await store.put(_queue_at("p", "d"))
        await store.put(_queue_at("p", "d", "wf"))
        await store.put(_queue_at("p", "d", "wf", "lp"))
        await store.put(MatchableRecord(AttributeKey(LABEL, "p", "d"), _label("gpu")))
        assert _tags(await store.get(AttributeKey(QUEUE, "p", "d"))) == ["p/d"]
        assert _tags(await store.get(AttributeKey(QUEUE, "p", "d", "wf"))) == ["p/d/wf"]
        label = await store.get(AttributeKey(LABEL, "p", "d"))
        assert label.attributes.execution_cluster_label.value == "gpu"

    async def test_candidates_are_the_covering_records_of_the_type(self, store: Any) -> None:
        for scope in [
            ("p",),
            ("p", "d"),
            ("p", "d", "wf"),
            ("p", "e"),
            ("p", "d", "w2"),
            ("q", "d"),
        ]:
            await store.put(_queue_at(*scope))
        await store.put(MatchableRecord(AttributeKey(LABEL, "p", "d"), _label("gpu")))
        found = await store.candidates(AttributeKey(QUEUE, "p", "d", "wf", "lp"))
        assert sorted(record.key.scope() for record in found) == [
            ("p", "", "", ""),
            ("p", "d", "", ""),
            ("p", "d", "wf", ""),
        ]
        assert await store.candidates(AttributeKey(QUEUE, "r", "d")) == []

    async def test_delete_removes_only_that_key(self, store: Any) -> None:
        for scope in [("p",), ("p", "d"), ("p", "d", "wf")]:
            await store.put(_queue_at(*scope))
        await store.delete(AttributeKey(QUEUE, "p", "d"))
        await store.delete(AttributeKey(QUEUE, "p", "absent"))
        remaining = sorted(record.key.scope() for record in await store.list(QUEUE))
        assert remaining == [("p", "", "", ""), ("p", "d", "wf", "")]

    async def test_a_deleted_key_is_gone_until_written_again(self, store: Any) -> None:
        key = AttributeKey(PLUGIN, "p", "d")
        await store.amend(key, lambda current: updated(current, _override("spark")))
        await store.delete(key)
        with pytest.raises(EntityNotFound):
            await store.get(key)
        assert await store.candidates(key) == []
        seen: list[mr.MatchingAttributes | None] = []

        def replace(current: mr.MatchingAttributes | None) -> mr.MatchingAttributes:
            seen.append(current)
            return _override("ray")

        await store.amend(key, replace)
        assert seen == [None]
        assert (await store.get(key)).attributes == _override("ray")
        assert [record.key for record in await store.list(PLUGIN)] == [key]

    async def test_list_holds_every_record_of_the_type_only(self, store: Any) -> None:
        assert await store.list(QUEUE) == []
        await store.put(_queue_at("p"))
        await store.put(_queue_at("q", "d", "wf"))
        await store.put(MatchableRecord(AttributeKey(LABEL, "p", "d"), _label("gpu")))
        listed = await store.list(QUEUE)
        assert sorted(record.key.scope() for record in listed) == [
            ("p", "", "", ""),
            ("q", "d", "wf", ""),
        ]

    async def test_amend_sees_nothing_then_the_current_value(self, store: Any) -> None:
        key = AttributeKey(PLUGIN, "p", "d")
        seen: list[mr.MatchingAttributes | None] = []

        def change(current: mr.MatchingAttributes | None) -> mr.MatchingAttributes:
            seen.append(current)
            return updated(current, _override(f"t{len(seen)}"))

        await store.amend(key, change)
        await store.amend(key, change)
        assert seen == [None, _override("t1")]
        stored = (await store.get(key)).attributes.plugin_overrides.overrides
        assert [o.task_type for o in stored] == ["t1", "t2"]

    async def test_concurrent_amends_lose_no_update(self, store: Any) -> None:
        key = AttributeKey(PLUGIN, "p", "d", "wf")
        task_types = [f"type-{n}" for n in range(10)]
        await asyncio.gather(
            *(
                store.amend(key, lambda current, t=t: updated(current, _override(t)))
                for t in task_types
            )
        )
        stored = (await store.get(key)).attributes.plugin_overrides.overrides
        assert sorted(o.task_type for o in stored) == task_types

    async def test_concurrent_puts_of_a_new_key_leave_one_record(self, store: Any) -> None:
        records = [MatchableRecord(AttributeKey(QUEUE, "p", "d"), _queue(str(n))) for n in range(8)]
        await asyncio.gather(*(store.put(record) for record in records))
        listed = await store.list(QUEUE)
        assert len(listed) == 1
        assert _tags(listed[0]) in [[str(n)] for n in range(8)]


class TestInMemoryMatchableAttributeStore(MatchableAttributeStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryMatchableAttributeStore:
        return InMemoryMatchableAttributeStore()


@pytest.mark.integration
class TestMongoMatchableAttributeStore(MatchableAttributeStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoMatchableAttributeStore:
        """The ``mongo_database`` fixture has applied every admin index already."""
        return MongoMatchableAttributeStore(mongo_database[COLLECTION])

    async def test_a_key_revision_is_written_once(self, store: Any, mongo_database: Any) -> None:
        document = {
            "project": "p",
            "domain": "d",
            "workflow": "",
            "launch_plan": "",
            "resource_type": "EXECUTION_QUEUE",
            "revision": 1,
        }
        await mongo_database[COLLECTION].insert_one(dict(document))
        with pytest.raises(DuplicateKeyError):
            await mongo_database[COLLECTION].insert_one(dict(document))

"""The task cache on real FerretDB: entries added once (the first writer keeps the tag, as
datacatalog's AddTag), replaced on overwrite, read back with their source; reservations held by
one owner at a time, extended by it, taken over once expired, released only by their owner."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from flyteidl.core import identifier_pb2, literals_pb2
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_executor.domain.cache_keys import CacheKey, DatasetId
from flightdeck_executor.store.task_cache import MongoTaskCache
from flightdeck_records import task_cache as layout
from flightdeck_records.task_cache import CacheEntry

pytestmark = pytest.mark.integration

KEY = CacheKey(DatasetId("p", "d", "flyte_task-wf.square", "1-abc-def"), "flyte_cached-xyz")
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="d", name="wf.square", version="v2"
)
HEARTBEAT = timedelta(seconds=10)


def entry(artifact_id: str, value: int, execution: str = "run1", attempt: int = 0) -> CacheEntry:
    outputs = literals_pb2.LiteralMap()
    outputs.literals["o0"].scalar.primitive.integer = value
    task = identifier_pb2.Identifier()
    task.CopyFrom(TASK)
    task.version = "v1"
    source = identifier_pb2.TaskExecutionIdentifier(
        task_id=task,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            node_id="n0",
            execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                project="p", domain="d", name=execution
            ),
        ),
        retry_attempt=attempt,
    )
    return CacheEntry(artifact_id, outputs, source)


@pytest.fixture
def cache(mongo_database: AsyncDatabase) -> MongoTaskCache:
    return MongoTaskCache(mongo_database)


async def test_a_miss_then_the_populated_entry_with_its_source(cache: MongoTaskCache) -> None:
    assert await cache.get(KEY, TASK) is None
    assert await cache.put(KEY, entry("a1", 4, attempt=2)) == "a1"
    found = await cache.get(KEY, TASK)
    assert found is not None
    assert found.artifact_id == "a1"
    assert found.outputs.literals["o0"].scalar.primitive.integer == 4
    source = found.source
    assert (source.task_id.name, source.task_id.version) == ("wf.square", "v1")
    assert source.node_execution_id.execution_id.name == "run1"
    assert (source.node_execution_id.node_id, source.retry_attempt) == ("n0", 2)


async def test_the_first_writer_keeps_the_tag(cache: MongoTaskCache) -> None:
    assert await cache.put(KEY, entry("a1", 4)) == "a1"
    assert await cache.put(KEY, entry("a2", 5, execution="run2")) == "a1"
    found = await cache.get(KEY, TASK)
    assert found is not None and found.artifact_id == "a1"


async def test_overwrite_replaces_the_entry(cache: MongoTaskCache) -> None:
    await cache.put(KEY, entry("a1", 4))
    assert await cache.update(KEY, entry("a2", 5, execution="run2")) == "a2"
    found = await cache.get(KEY, TASK)
    assert found is not None
    assert found.artifact_id == "a2"
    assert found.outputs.literals["o0"].scalar.primitive.integer == 5


async def test_other_tags_and_versions_are_other_entries(cache: MongoTaskCache) -> None:
    await cache.put(KEY, entry("a1", 4))
    other_tag = CacheKey(KEY.dataset, "flyte_cached-other")
    other_version = CacheKey(DatasetId("p", "d", KEY.dataset.name, "2-abc-def"), KEY.tag)
    assert await cache.get(other_tag, TASK) is None
    assert await cache.get(other_version, TASK) is None


async def test_one_reservation_holder_at_a_time(cache: MongoTaskCache) -> None:
    assert await cache.reserve(KEY, "owner-a", HEARTBEAT) == "owner-a"
    assert await cache.reserve(KEY, "owner-b", HEARTBEAT) == "owner-a"
    assert await cache.reserve(KEY, "owner-a", HEARTBEAT) == "owner-a"


async def test_concurrent_claims_elect_exactly_one_holder(cache: MongoTaskCache) -> None:
    owners = [f"owner-{i}" for i in range(6)]
    answers = await asyncio.gather(*(cache.reserve(KEY, o, HEARTBEAT) for o in owners))
    holders = {answer for answer in answers if answer}
    assert len(holders) == 1
    winner = holders.pop()
    assert winner in owners
    assert answers.count(winner) == len([a for a in answers if a])


async def test_release_by_the_holder_frees_it_and_others_cannot_release(
    cache: MongoTaskCache,
) -> None:
    await cache.reserve(KEY, "owner-a", HEARTBEAT)
    await cache.release(KEY, "owner-b")
    assert await cache.reserve(KEY, "owner-b", HEARTBEAT) == "owner-a"
    await cache.release(KEY, "owner-a")
    assert await cache.reserve(KEY, "owner-b", HEARTBEAT) == "owner-b"


async def test_an_expired_reservation_is_taken_over(
    cache: MongoTaskCache, mongo_database: AsyncDatabase
) -> None:
    # A reservation whose holder stopped heartbeating long ago (expiry in the past).
    await cache.reserve(KEY, "owner-a", timedelta(seconds=-60))
    assert await cache.reserve(KEY, "owner-b", HEARTBEAT) == "owner-b"
    stored = await mongo_database[layout.RESERVATIONS].find_one({})
    assert stored is not None and stored[layout.OWNER] == "owner-b"

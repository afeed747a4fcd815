"""EvictTaskExecutionCache's use case on FerretDB, over records written with the projector's
codecs and cache entries laid out as the executor writes them: what a task execution's node
(and the dynamic children its attempt launched) put in the cache is deleted and the nodes say
CACHE_EVICTED; what cannot be evicted is reported per node while the call succeeds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flyteidl.admin import node_execution_pb2
from flyteidl.admin import task_execution_pb2 as te
from flyteidl.core import catalog_pb2, identifier_pb2, literals_pb2
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_admin.domain.errors import EntityNotFound, MissingField
from flightdeck_admin.service.cache_eviction import CacheEviction
from flightdeck_admin.store.node_executions import MongoNodeExecutionStore
from flightdeck_admin.store.task_cache import MongoCachedNodes, MongoTaskCacheEntries
from flightdeck_admin.store.task_executions import MongoTaskExecutionStore
from flightdeck_proto.gen.flyteidl.core import cache_eviction_pb2
from flightdeck_proto.gen.flyteidl.service import cache_pb2
from flightdeck_records import node_executions, task_cache, task_executions
from flightdeck_records.documents import EventPosition
from flightdeck_records.task_cache import CacheEntry
from flightdeck_records.task_executions import task_key

pytestmark = pytest.mark.integration

Code = cache_eviction_pb2.CacheEvictionError
RUN = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="run1")
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="d", name="wf.square", version="v1"
)
DATASET = identifier_pb2.Identifier(
    resource_type=identifier_pb2.DATASET,
    project="p",
    domain="d",
    name="flyte_task-wf.square",
    version="1-aaaa-bbbb",
)
NOW = datetime(2025, 1, 1, tzinfo=UTC)


def attempt_id(node_id: str, attempt: int = 0) -> identifier_pb2.TaskExecutionIdentifier:
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=TASK,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(node_id=node_id, execution_id=RUN),
        retry_attempt=attempt,
    )


class World:
    def __init__(self, database: AsyncDatabase) -> None:
        self.database = database
        self.nodes = MongoNodeExecutionStore(database[node_executions.COLLECTION])
        self.entries = MongoTaskCacheEntries(database)
        self.eviction = CacheEviction(
            MongoTaskExecutionStore(database[task_executions.COLLECTION]),
            self.nodes,
            MongoCachedNodes(database),
            self.entries,
        )

    async def task_node(
        self, node_id: str, status: int, tag: str, artifact_id: str, parent_task: str = ""
    ) -> None:
        node = node_execution_pb2.NodeExecution(
            id=identifier_pb2.NodeExecutionIdentifier(node_id=node_id, execution_id=RUN)
        )
        metadata = node.closure.task_node_metadata
        metadata.cache_status = status  # type: ignore[assignment]
        metadata.catalog_key.dataset_id.CopyFrom(DATASET)
        metadata.catalog_key.artifact_tag.name = tag
        metadata.catalog_key.artifact_tag.artifact_id = artifact_id
        await self.add_node(node, parent_task)

    async def add_node(self, node: node_execution_pb2.NodeExecution, parent_task: str = "") -> None:
        record = node_executions.NodeRecord(node=node, parent_task_execution_id=parent_task)
        document = node_executions.node_document(record, EventPosition(0, 1), NOW)
        await self.database[node_executions.COLLECTION].insert_one(document)

    async def attempt(
        self, node_id: str, attempt: int = 0
    ) -> identifier_pb2.TaskExecutionIdentifier:
        task = te.TaskExecution(id=attempt_id(node_id, attempt))
        task.closure.metadata.generated_name = f"run1-{node_id}-{attempt}"
        document = task_executions.task_document(
            task_executions.TaskRecord(task=task), EventPosition(0, 1), NOW
        )
        await self.database[task_executions.COLLECTION].insert_one(document)
        return task.id

    async def cached(self, tag: str, artifact_id: str) -> None:
        key = task_cache.key_of_dataset(DATASET, tag)
        document = task_cache.entry_document(
            key,
            {"project": "p", "domain": "d", "name": DATASET.name, "version": DATASET.version},
            tag,
            CacheEntry(artifact_id, literals_pb2.LiteralMap(), attempt_id("n0")),
            NOW,
        )
        await self.database[task_cache.ARTIFACTS].insert_one(document)

    async def tags_cached(self) -> set[str]:
        return {d[task_cache.TAG] async for d in self.database[task_cache.ARTIFACTS].find()}

    async def status(self, node_id: str) -> int:
        record = await self.nodes.get(
            identifier_pb2.NodeExecutionIdentifier(node_id=node_id, execution_id=RUN)
        )
        return record.node.closure.task_node_metadata.cache_status

    async def evict(self, target: identifier_pb2.TaskExecutionIdentifier) -> list:  # type: ignore[type-arg]
        request = cache_pb2.EvictTaskExecutionCacheRequest(task_execution_id=target)
        return list((await self.eviction.evict_task_execution(request)).errors.errors)


@pytest.fixture
def world(mongo_database: AsyncDatabase) -> World:
    return World(mongo_database)


async def test_a_populated_node_loses_its_entry_and_says_evicted(world: World) -> None:
    await world.task_node("n0", catalog_pb2.CACHE_POPULATED, "tag-a", "art-a")
    await world.cached("tag-a", "art-a")
    await world.cached("tag-other", "art-o")
    target = await world.attempt("n0")
    assert await world.evict(target) == []
    assert await world.tags_cached() == {"tag-other"}
    assert await world.status("n0") == catalog_pb2.CACHE_EVICTED
    # Evicting again finds nothing to delete and reports nothing.
    assert await world.evict(target) == []
    assert await world.database[task_cache.RESERVATIONS].count_documents({}) == 0


async def test_a_repopulated_entry_is_not_the_evicted_artifact(world: World) -> None:
    await world.task_node("n0", catalog_pb2.CACHE_POPULATED, "tag-a", "art-old")
    await world.cached("tag-a", "art-new")
    assert await world.evict(await world.attempt("n0")) == []
    assert await world.tags_cached() == {"tag-a"}


async def test_dynamic_children_are_evicted_through_the_parent_attempt(world: World) -> None:
    await world.task_node("dn", catalog_pb2.CACHE_DISABLED, "", "")
    parent = await world.attempt("dn", 1)
    await world.task_node(
        "dn-1-n0", catalog_pb2.CACHE_POPULATED, "tag-c", "art-c", task_key(parent)
    )
    await world.task_node("dn-1-n1", catalog_pb2.CACHE_HIT, "tag-d", "art-d", task_key(parent))
    child = await world.attempt("dn-1-n0")
    await world.task_node(
        "dn-1-n0-0-n0", catalog_pb2.CACHE_POPULATED, "tag-e", "art-e", task_key(child)
    )
    for tag, artifact in (("tag-c", "art-c"), ("tag-d", "art-d"), ("tag-e", "art-e"), ("x", "y")):
        await world.cached(tag, artifact)
    assert await world.evict(parent) == []
    assert await world.tags_cached() == {"x"}
    for node_id in ("dn-1-n0", "dn-1-n1", "dn-1-n0-0-n0"):
        assert await world.status(node_id) == catalog_pb2.CACHE_EVICTED


async def test_nodes_that_cached_nothing_are_left_alone(world: World) -> None:
    await world.task_node("n0", catalog_pb2.CACHE_DISABLED, "tag-a", "art-a")
    await world.cached("tag-a", "art-a")
    assert await world.evict(await world.attempt("n0")) == []
    assert await world.tags_cached() == {"tag-a"}
    assert await world.status("n0") == catalog_pb2.CACHE_DISABLED


async def test_a_reservation_held_elsewhere_is_reported_and_nothing_deleted(world: World) -> None:
    await world.task_node("n0", catalog_pb2.CACHE_POPULATED, "tag-a", "art-a")
    await world.cached("tag-a", "art-a")
    target = await world.attempt("n0")
    key = task_cache.key_of_dataset(DATASET, "tag-a")
    await world.entries.reserve(key, "a-running-task", timedelta(seconds=10))
    errors = await world.evict(target)
    assert [(e.code, e.message) for e in errors] == [
        (Code.RESERVATION_NOT_ACQUIRED, "Artifact is reserved by different owner")
    ]
    assert errors[0].task_execution_id == target
    assert errors[0].node_execution_id == target.node_execution_id
    assert await world.tags_cached() == {"tag-a"}
    assert await world.status("n0") == catalog_pb2.CACHE_POPULATED


async def test_a_node_that_is_not_a_task_node_is_an_error_entry(world: World) -> None:
    node = node_execution_pb2.NodeExecution(
        id=identifier_pb2.NodeExecutionIdentifier(node_id="n0", execution_id=RUN)
    )
    node.closure.workflow_node_metadata.executionId.CopyFrom(RUN)
    await world.add_node(node)
    errors = await world.evict(await world.attempt("n0"))
    assert [e.code for e in errors] == [Code.INTERNAL]
    assert errors[0].workflow_execution_id == RUN
    assert "not a task node" in errors[0].message


async def test_an_unknown_task_execution_is_not_found(world: World) -> None:
    with pytest.raises(EntityNotFound, match="task execution"):
        await world.evict(attempt_id("n9"))


async def test_the_request_must_name_a_task_execution(world: World) -> None:
    with pytest.raises(MissingField, match="task_execution_id"):
        await world.eviction.evict_task_execution(cache_pb2.EvictTaskExecutionCacheRequest())
    incomplete = attempt_id("n0")
    incomplete.ClearField("task_id")
    with pytest.raises(MissingField, match="task_id"):
        await world.evict(incomplete)

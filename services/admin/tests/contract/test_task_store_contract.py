from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.store.memory import InMemoryTaskStore
from flightdeck_admin.store.tasks import COLLECTION, MongoTaskStore

TASK_ID = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="p", domain="development", name="t", version="v1"
)


def _task(description: str = "first") -> task_pb2.Task:
    return task_pb2.Task(id=TASK_ID, short_description=description)


class TaskStoreContract:
    async def test_insert_then_get_stamps_created_at(self, store: Any) -> None:
        await store.insert(_task(), "digest-1", "python-task")
        stored = await store.get(TASK_ID)
        assert stored.short_description == "first"
        assert stored.closure.created_at.seconds > 0
        assert await store.digest(TASK_ID) == "digest-1"

    async def test_concurrent_inserts_of_one_id_leave_one_record(self, store: Any) -> None:
        outcomes = await asyncio.gather(
            *(store.insert(_task(f"try {i}"), f"digest-{i}", "python-task") for i in range(20)),
            return_exceptions=True,
        )
        winners = [i for i, outcome in enumerate(outcomes) if outcome is None]
        assert len(winners) == 1
        assert all(isinstance(o, EntityAlreadyExists) for o in outcomes if o is not None)
        assert await store.digest(TASK_ID) == f"digest-{winners[0]}"

    async def test_unknown_ids_are_not_found(self, store: Any) -> None:
        with pytest.raises(EntityNotFound):
            await store.get(TASK_ID)
        with pytest.raises(EntityNotFound):
            await store.digest(TASK_ID)


class TestInMemoryTaskStore(TaskStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryTaskStore:
        return InMemoryTaskStore()


@pytest.mark.integration
class TestMongoTaskStore(TaskStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoTaskStore:
        return MongoTaskStore(mongo_database[COLLECTION])

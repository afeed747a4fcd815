from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.domain.executions_launch import (
    EXECUTION_CREATED,
    ExecutionRecord,
    OutboxMessage,
)
from flightdeck_admin.store.executions import COLLECTION, MongoExecutionStore
from flightdeck_admin.store.executions_memory import InMemoryExecutionStore


def _id(name: str = "run1", project: str = "p") -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain="development", name=name
    )


def _record(
    name: str = "run1", inputs_uri: str = "file:///i", project: str = "p"
) -> ExecutionRecord:
    execution = execution_pb2.Execution(id=_id(name, project))
    execution.spec.labels.values["team.example.com/owner"] = "ml"
    execution.spec.launch_plan.name = "lp"
    execution.closure.created_at.FromSeconds(1_700_000_000)
    execution.closure.workflow_id.name = "wf"
    return ExecutionRecord(
        execution,
        inputs_uri,
        "file:///u",
        (OutboxMessage(EXECUTION_CREATED, _id(name, project), inputs_uri),),
    )


class ExecutionStoreContract:
    """What every ExecutionStore must do; subclasses supply the backend."""

    async def test_insert_then_get_returns_the_record(self, store: Any) -> None:
        await store.insert(_record())
        stored = await store.get(_id())
        assert stored == _record()
        assert dict(stored.execution.spec.labels.values) == {"team.example.com/owner": "ml"}
        assert stored.pending_messages[0].kind == EXECUTION_CREATED

    async def test_a_taken_name_already_exists_and_keeps_the_first(self, store: Any) -> None:
        await store.insert(_record())
        with pytest.raises(EntityAlreadyExists, match="already exists"):
            await store.insert(_record(inputs_uri="file:///other"))
        assert (await store.get(_id())).inputs_uri == "file:///i"

    async def test_concurrent_inserts_of_one_name_admit_exactly_one(self, store: Any) -> None:
        results = await asyncio.gather(
            *(store.insert(_record(inputs_uri=f"file:///{n}")) for n in range(5)),
            return_exceptions=True,
        )
        assert sum(r is None for r in results) == 1
        assert all(isinstance(r, EntityAlreadyExists) for r in results if r is not None)

    async def test_the_same_name_in_another_project_is_a_different_execution(
        self, store: Any
    ) -> None:
        await store.insert(_record())
        await store.insert(_record(project="q"))
        assert (await store.get(_id(project="q"))).execution.id.project == "q"

    async def test_get_of_an_unknown_execution_is_not_found(self, store: Any) -> None:
        with pytest.raises(EntityNotFound, match="missing entity of type execution"):
            await store.get(_id("absent"))


class TestInMemoryExecutionStore(ExecutionStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryExecutionStore:
        return InMemoryExecutionStore()


@pytest.mark.integration
class TestMongoExecutionStore(ExecutionStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoExecutionStore:
        return MongoExecutionStore(mongo_database[COLLECTION])

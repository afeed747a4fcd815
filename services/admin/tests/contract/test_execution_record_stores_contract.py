"""The execution-record read ports (node executions, task executions, executions as read) on
the in-memory fakes and on FerretDB, over documents written with the projector's codecs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2
from flyteidl.admin import task_execution_pb2 as te
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.service.record_ports import NodeParent
from flightdeck_admin.store import execution_records_memory as memory
from flightdeck_admin.store.execution_reads import MongoExecutionReader
from flightdeck_admin.store.node_executions import MongoNodeExecutionStore
from flightdeck_admin.store.task_executions import MongoTaskExecutionStore
from flightdeck_platform import faults
from flightdeck_records import node_executions, task_executions
from flightdeck_records.task_executions import task_key

TOP = NodeParent()


def _nodes_request(limit: int = 10, **fields: Any) -> node_execution_pb2.NodeExecutionListRequest:
    return node_execution_pb2.NodeExecutionListRequest(limit=limit, **fields)


def _ids(found: list[Any]) -> list[str]:
    return [r.node.id.node_id for r in found]


class RecordStoresContract:
    """Subclasses give ``backend``: (seed(kind, document), nodes, tasks, executions)."""

    @pytest.fixture
    async def seeded(self, backend: Any, records: Any) -> Any:
        seed, nodes, tasks, reader = backend
        for document in (
            records.node("start-node", created=0),
            records.node("n0", created=1, phase="RUNNING"),
            records.node("n1", created=2, phase="FAILED"),
            records.node("n1-0-a", created=3, parent_id="n1"),
            records.node("n1-0-b", created=4, parent_id="n1", phase="RUNNING"),
            records.node("dn0", created=5, parent_task=task_key(records.task_id("n0"))),
        ):
            await seed("node", document)
        for document in (
            records.task("n0", retry=0, phase="FAILED", created=1),
            records.task("n0", retry=1, phase="RUNNING", created=2),
            records.task("n1", retry=0, created=3),
        ):
            await seed("task", document)
        return nodes, tasks, reader

    async def test_get_reads_a_node_back_as_the_projector_wrote_it(
        self, seeded: Any, records: Any
    ) -> None:
        nodes, _, _ = seeded
        found = await nodes.get(records.node_id("n1-0-a"))
        assert found.node.id == records.node_id("n1-0-a")
        assert found.parent_id == "n1"
        assert found.event_version == 1
        with pytest.raises(EntityNotFound, match="missing entity of type node execution"):
            await nodes.get(records.node_id("absent"))

    async def test_top_level_children_and_launched_nodes_are_listed_apart(
        self, seeded: Any, records: Any
    ) -> None:
        nodes, _, _ = seeded
        execution = records.execution_id
        top, _ = await nodes.list_page(execution, TOP, _nodes_request())
        children, _ = await nodes.list_page(execution, NodeParent(node_id="n1"), _nodes_request())
        launched_by = NodeParent(task_key=task_key(records.task_id("n0")))
        launched, _ = await nodes.list_page(execution, launched_by, _nodes_request())
        assert _ids(top) == ["start-node", "n0", "n1"]
        assert _ids(children) == ["n1-0-a", "n1-0-b"]
        assert _ids(launched) == ["dn0"]

    async def test_node_filters_sorts_and_pages(self, seeded: Any, records: Any) -> None:
        nodes, _, _ = seeded
        execution = records.execution_id
        running, _ = await nodes.list_page(
            execution, TOP, _nodes_request(filters="value_in(phase,RUNNING;FAILED)")
        )
        assert _ids(running) == ["n0", "n1"]
        by_id = common_pb2.Sort(key="node_id", direction=common_pb2.Sort.DESCENDING)
        first, token = await nodes.list_page(execution, TOP, _nodes_request(2, sort_by=by_id))
        rest, end = await nodes.list_page(
            execution, TOP, _nodes_request(2, sort_by=by_id, token=token)
        )
        assert (_ids(first), _ids(rest), end) == (["start-node", "n1"], ["n0"], "")
        since = records.at(1).strftime("%Y-%m-%dT%H:%M:%SZ")
        later, _ = await nodes.list_page(
            execution, TOP, _nodes_request(filters=f"gt(node_execution_created_at,{since})")
        )
        assert _ids(later) == ["n1"]
        with pytest.raises(faults.InvalidArgument, match=r"'e\.phase' is invalid filter"):
            await nodes.list_page(execution, TOP, _nodes_request(filters="eq(execution.phase,x)"))

    async def test_another_execution_lists_nothing(self, seeded: Any, records: Any) -> None:
        nodes, _, _ = seeded
        other = identifier_pb2.WorkflowExecutionIdentifier(
            project="p", domain="development", name="run2"
        )
        found, token = await nodes.list_page(other, TOP, _nodes_request())
        assert (found, token) == ([], "")

    async def test_parents_and_launchers_are_found_among_candidates(
        self, seeded: Any, records: Any
    ) -> None:
        nodes, _, _ = seeded
        execution = records.execution_id
        assert await nodes.parents_among(execution, ["n0", "n1", "absent"]) == {"n1"}
        assert await nodes.parents_among(execution, []) == set()
        keys = [task_key(records.task_id("n0")), task_key(records.task_id("n0", 1))]
        assert await nodes.launchers_among(keys) == {keys[0]}

    async def test_task_attempts_get_list_filter_and_page(self, seeded: Any, records: Any) -> None:
        _, tasks, _ = seeded
        attempt = await tasks.get(records.task_id("n0", 1))
        assert attempt.task.closure.phase == core_execution_pb2.TaskExecution.RUNNING
        with pytest.raises(EntityNotFound, match="missing entity of type task execution"):
            await tasks.get(records.task_id("n0", 7))
        node = records.node_id("n0")
        page, token = await tasks.list_page(node, te.TaskExecutionListRequest(limit=1))
        rest, end = await tasks.list_page(node, te.TaskExecutionListRequest(limit=1, token=token))
        after, none = await tasks.list_page(node, te.TaskExecutionListRequest(limit=1, token=end))
        retries = [r.task.id.retry_attempt for r in (*page, *rest, *after)]
        assert (retries, none) == ([0, 1], ""), "a full page always has a next token"
        second, _ = await tasks.list_page(
            node,
            te.TaskExecutionListRequest(
                limit=5, filters="eq(retry_attempt,1)+eq(task.name,t)+eq(project,p)"
            ),
        )
        assert [r.task.id.retry_attempt for r in second] == [1]

    async def test_executions_are_read_with_the_projectors_progress(
        self, backend: Any, records: Any
    ) -> None:
        seed, _, _, reader = backend
        progress = execution_pb2.ExecutionClosure()
        progress.outputs.uri = "file:///o"
        progress.started_at.FromSeconds(1_770_000_000)
        await seed("execution", records.execution(inputs_uri="file:///i", progress=progress))
        found = await reader.get(records.execution_id)
        assert found.inputs_uri == "file:///i"
        assert found.execution.closure.phase == core_execution_pb2.WorkflowExecution.RUNNING
        assert found.execution.closure.outputs.uri == "file:///o"
        missing = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="x")
        with pytest.raises(EntityNotFound, match="missing entity of type execution"):
            await reader.get(missing)


Seed = Callable[[str, dict[str, Any]], Any]


class TestInMemoryRecordStores(RecordStoresContract):
    @pytest.fixture
    def backend(self) -> Any:
        stores = {
            "node": memory.InMemoryNodeExecutionStore(),
            "task": memory.InMemoryTaskExecutionStore(),
            "execution": memory.InMemoryExecutionReader(),
        }

        async def seed(kind: str, document: dict[str, Any]) -> None:
            stores[kind].put(document)

        return seed, stores["node"], stores["task"], stores["execution"]


@pytest.mark.integration
class TestMongoRecordStores(RecordStoresContract):
    @pytest.fixture
    def backend(self, mongo_database: Any) -> Any:
        collections = {
            "node": mongo_database[node_executions.COLLECTION],
            "task": mongo_database[task_executions.COLLECTION],
            "execution": mongo_database["executions"],
        }

        async def seed(kind: str, document: dict[str, Any]) -> None:
            await collections[kind].insert_one(document)

        return (
            seed,
            MongoNodeExecutionStore(collections["node"]),
            MongoTaskExecutionStore(collections["task"]),
            MongoExecutionReader(collections["execution"]),
        )

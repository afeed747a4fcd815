"""Node and task execution reads and the three data RPCs (admin.md §3.6, §4.3 "Read side",
§4.4, §5.5) on the in-memory record fakes and a local object store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import execution_pb2 as admin_execution
from flyteidl.admin import node_execution_pb2 as ne
from flyteidl.admin import task_execution_pb2 as te
from flyteidl.core import compiler_pb2, identifier_pb2, literals_pb2

from flightdeck_admin.domain.errors import EntityNotFound, InvalidField, MissingField
from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.node_executions import NodeExecutions
from flightdeck_admin.service.task_executions import TaskExecutions
from flightdeck_admin.store import execution_records_memory as memory
from flightdeck_platform import faults
from flightdeck_records.node_executions import DynamicWorkflowRef
from flightdeck_records.task_executions import task_key
from flightdeck_storage import LocalObjectStore, literals


def _ints(**values: int) -> literals_pb2.LiteralMap:
    result = literals_pb2.LiteralMap()
    for name, value in values.items():
        result.literals[name].scalar.primitive.integer = value
    return result


class World:
    def __init__(self, root: Path, records: Any) -> None:
        self.records = records
        self.executions = memory.InMemoryExecutionReader()
        self.nodes = memory.InMemoryNodeExecutionStore()
        self.tasks = memory.InMemoryTaskExecutionStore()
        self.blobs = LocalObjectStore(root)
        self.node_reads = NodeExecutions(self.nodes, self.tasks)
        self.task_reads = TaskExecutions(self.tasks, self.nodes)
        self.data = ExecutionData(self.executions, self.nodes, self.tasks, self.blobs)

    async def blob(self, key: str, values: literals_pb2.LiteralMap) -> str:
        await literals.write_literal_map(self.blobs, key, values)
        return self.blobs.native_url(key)


@pytest.fixture
def world(tmp_path: Path, records: Any) -> World:
    return World(tmp_path, records)


def _get(records: Any, node: str) -> ne.NodeExecutionGetRequest:
    return ne.NodeExecutionGetRequest(id=records.node_id(node))


def _list(records: Any, parent: str = "", limit: int = 10) -> ne.NodeExecutionListRequest:
    return ne.NodeExecutionListRequest(
        workflow_execution_id=records.execution_id, limit=limit, unique_parent_id=parent
    )


async def test_a_parent_is_derived_from_children_for_unversioned_nodes_only(world: World) -> None:
    r = world.records
    dynamic = DynamicWorkflowRef(identifier_pb2.Identifier(name="dyn"), "file:///nowhere")
    world.nodes.put(r.node("old", event_version=0, dynamic=dynamic))
    world.nodes.put(r.node("new", event_version=1))
    world.nodes.put(r.node("old-0-x", parent_id="old"))
    world.nodes.put(r.node("new-0-x", parent_id="new"))
    old = await world.node_reads.get(_get(r, "old"))
    new = await world.node_reads.get(_get(r, "new"))
    assert (old.metadata.is_parent_node, old.metadata.is_dynamic) == (True, True)
    assert (new.metadata.is_parent_node, new.metadata.is_dynamic) == (False, False)
    listed = await world.node_reads.list_nodes(_list(r))
    assert {n.id.node_id: n.metadata.is_parent_node for n in listed.node_executions} == {
        "old": True,
        "new": True,
    }, "listings always consult the children"


async def test_listed_errors_are_trimmed_to_100_bytes_of_whole_characters(world: World) -> None:
    r = world.records

    def fail(node: ne.NodeExecution) -> None:
        node.closure.error.message = "é" * 80

    world.nodes.put(r.node("n0", phase="FAILED", edit=fail))
    listed = await world.node_reads.list_nodes(_list(r))
    got = await world.node_reads.get(_get(r, "n0"))
    assert listed.node_executions[0].closure.error.message == "é" * 50
    assert got.closure.error.message == "é" * 80, "a single node keeps its full message"


async def test_children_of_a_missing_parent_are_not_found(world: World) -> None:
    with pytest.raises(EntityNotFound, match="node execution"):
        await world.node_reads.list_nodes(_list(world.records, parent="absent"))


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (ne.NodeExecutionListRequest(limit=1), "missing execution_id"),
        (
            ne.NodeExecutionListRequest(
                workflow_execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                    project="p", domain="d"
                ),
                limit=1,
            ),
            "missing execution_id",
        ),
        (
            ne.NodeExecutionListRequest(
                workflow_execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                    project="p", domain="d", name="e"
                ),
                unique_parent_id="absent",
            ),
            "invalid value for limit",
        ),
    ],
)
async def test_list_requests_are_checked_before_any_lookup(
    world: World, request_: ne.NodeExecutionListRequest, message: str
) -> None:
    with pytest.raises(faults.InvalidArgument, match=message):
        await world.node_reads.list_nodes(request_)


async def test_get_names_the_missing_part_of_the_id(world: World) -> None:
    r = world.records
    with pytest.raises(MissingField, match="missing id"):
        await world.node_reads.get(ne.NodeExecutionGetRequest())
    with pytest.raises(MissingField, match="missing node_id"):
        await world.node_reads.get(ne.NodeExecutionGetRequest(id=r.node_id("")))
    broken = identifier_pb2.NodeExecutionIdentifier(
        node_id="n0", execution_id=identifier_pb2.WorkflowExecutionIdentifier(project="p")
    )
    with pytest.raises(MissingField, match="missing domain"):
        await world.node_reads.get(ne.NodeExecutionGetRequest(id=broken))


async def test_nodes_a_task_attempt_launched(world: World) -> None:
    r = world.records
    world.tasks.put(r.task("n0"))
    world.nodes.put(r.node("n0"))
    world.nodes.put(r.node("dn0", parent_task=task_key(r.task_id("n0"))))
    request = ne.NodeExecutionForTaskListRequest(task_execution_id=r.task_id("n0"), limit=5)
    listed = await world.node_reads.list_nodes_for_task(request)
    assert [n.id.node_id for n in listed.node_executions] == ["dn0"]
    attempt = await world.task_reads.get(te.TaskExecutionGetRequest(id=r.task_id("n0")))
    assert attempt.is_parent
    request.task_execution_id.retry_attempt = 3
    with pytest.raises(EntityNotFound, match="task execution"):
        await world.node_reads.list_nodes_for_task(request)
    request.task_execution_id.task_id.resource_type = identifier_pb2.WORKFLOW
    with pytest.raises(InvalidField, match="resource_type"):
        await world.node_reads.list_nodes_for_task(request)


async def test_task_attempts_are_listed_with_full_errors(world: World) -> None:
    r = world.records

    def fail(task: te.TaskExecution) -> None:
        task.closure.error.message = "x" * 300

    world.tasks.put(r.task("n0", retry=0, phase="FAILED", edit=fail))
    world.tasks.put(r.task("n0", retry=1, created=5))
    listed = await world.task_reads.list_attempts(
        te.TaskExecutionListRequest(node_execution_id=r.node_id("n0"), limit=5)
    )
    assert [t.id.retry_attempt for t in listed.task_executions] == [0, 1]
    assert len(listed.task_executions[0].closure.error.message) == 300
    assert not any(t.is_parent for t in listed.task_executions)
    with pytest.raises(MissingField, match="missing id"):
        await world.task_reads.list_attempts(te.TaskExecutionListRequest(limit=5))


async def test_execution_data_reads_inputs_and_outputs(world: World, records: Any) -> None:
    inputs = await world.blob("metadata/p/development/run1/inputs", _ints(a=1))
    outputs = await world.blob("out/outputs.pb", _ints(o0=2))
    closure = admin_execution.ExecutionClosure()
    closure.outputs.uri = outputs
    world.executions.put(records.execution(inputs_uri=inputs, progress=closure))
    data = await world.data.of_execution(records.execution_id)
    assert data.full_inputs == _ints(a=1)
    assert data.full_outputs == _ints(o0=2)
    assert data.HasField("inputs") and not data.inputs.url, "signed URLs are off"


async def test_execution_data_of_inline_outputs_and_unreadable_inputs(
    world: World, records: Any
) -> None:
    closure = admin_execution.ExecutionClosure(output_data=_ints(o0=5))
    world.executions.put(records.execution(inputs_uri="file:///gone/inputs", progress=closure))
    data = await world.data.of_execution(records.execution_id)
    assert data.full_outputs == _ints(o0=5)
    assert data.full_inputs == literals_pb2.LiteralMap(), "unreadable inputs read as empty"
    missing = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="x")
    with pytest.raises(EntityNotFound, match="missing entity of type execution"):
        await world.data.of_execution(missing)


async def test_oversized_inline_outputs_answer_an_empty_map(world: World) -> None:
    r = world.records
    big = literals_pb2.LiteralMap()
    big.literals["blob"].scalar.binary.value = b"x" * (2 * 1024 * 1024)

    def with_big(node: ne.NodeExecution) -> None:
        node.closure.output_data.CopyFrom(big)

    world.nodes.put(r.node("n0", edit=with_big))
    data = await world.data.of_node(ne.NodeExecutionGetDataRequest(id=r.node_id("n0")))
    assert data.full_outputs == literals_pb2.LiteralMap()


async def test_node_data_with_urls_deck_and_dynamic_workflow(world: World) -> None:
    r = world.records
    inputs = await world.blob("n0/inputs.pb", _ints(x=1))
    outputs = await world.blob("n0/outputs.pb", _ints(y=2))
    compiled = compiler_pb2.CompiledWorkflowClosure()
    compiled.primary.template.id.name = "dyn"
    key = "metadata/admin/p/development/run1/n0/p_development_t_v1"
    await world.blobs.write(key, compiled.SerializeToString())
    dynamic = DynamicWorkflowRef(compiled.primary.template.id, world.blobs.native_url(key))

    def recorded(node: ne.NodeExecution) -> None:
        node.input_uri = inputs
        node.closure.output_uri = outputs
        node.closure.deck_uri = "file:///deck.html"

    world.nodes.put(r.node("n0", edit=recorded, dynamic=dynamic))
    data = await world.data.of_node(ne.NodeExecutionGetDataRequest(id=r.node_id("n0")))
    assert (data.full_inputs, data.full_outputs) == (_ints(x=1), _ints(y=2))
    base = "flyte://v1/p/development/run1/n0"
    assert (data.flyte_urls.inputs, data.flyte_urls.outputs, data.flyte_urls.deck) == (
        f"{base}/i",
        f"{base}/o",
        f"{base}/d",
    )
    assert data.dynamic_workflow.id.name == "dyn"
    assert data.dynamic_workflow.compiled_workflow == compiled
    request = ne.GetDynamicNodeWorkflowRequest(id=r.node_id("n0"))
    assert (await world.data.dynamic_workflow(request)).compiled_workflow == compiled


async def test_a_node_without_a_dynamic_workflow(world: World) -> None:
    r = world.records
    world.nodes.put(r.node("n0"))
    data = await world.data.of_node(ne.NodeExecutionGetDataRequest(id=r.node_id("n0")))
    assert not data.HasField("dynamic_workflow") and not data.flyte_urls.deck
    with pytest.raises(EntityNotFound, match="node does not contain dynamic workflow"):
        await world.data.dynamic_workflow(ne.GetDynamicNodeWorkflowRequest(id=r.node_id("n0")))


async def test_task_data_urls_carry_the_attempt(world: World) -> None:
    r = world.records
    inputs = await world.blob("t/inputs.pb", _ints(x=3))

    def recorded(task: te.TaskExecution) -> None:
        task.input_uri = inputs
        task.closure.output_data.CopyFrom(_ints(y=4))

    world.tasks.put(r.task("n0", retry=2, edit=recorded))
    data = await world.data.of_task(te.TaskExecutionGetDataRequest(id=r.task_id("n0", 2)))
    assert (data.full_inputs, data.full_outputs) == (_ints(x=3), _ints(y=4))
    assert data.flyte_urls.inputs == "flyte://v1/p/development/run1/n0/2/i"
    assert not data.flyte_urls.deck
    with pytest.raises(EntityNotFound):
        await world.data.of_task(te.TaskExecutionGetDataRequest(id=r.task_id("n0", 0)))

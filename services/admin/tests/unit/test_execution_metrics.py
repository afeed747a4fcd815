"""GetExecutionMetrics (admin.md §3.7): the span tree of a recorded run of
start → n0 (a task, retried once) → n1 (a gate) → end."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2, workflow_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.execution_metrics import ExecutionMetrics
from flightdeck_admin.service.node_executions import NodeExecutions
from flightdeck_admin.service.task_executions import TaskExecutions
from flightdeck_admin.store import execution_records_memory as memory
from flightdeck_storage import LocalObjectStore

WORKFLOW = identifier_pb2.Identifier(
    resource_type=identifier_pb2.WORKFLOW, project="p", domain="development", name="wf"
)


class _Workflows:
    def __init__(self) -> None:
        workflow = workflow_pb2.Workflow(id=WORKFLOW)
        primary = workflow.closure.compiled_workflow.primary
        primary.template.id.CopyFrom(WORKFLOW)
        primary.template.nodes.add(id="n0").task_node.reference_id.name = "t"
        primary.template.nodes.add(id="n1").gate_node.sleep.duration.seconds = 5
        for node, upstream in (("n0", "start-node"), ("n1", "n0"), ("end-node", "n1")):
            primary.connections.upstream[node].ids.append(upstream)
        self.workflow = workflow

    async def get(self, workflow_id: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
        if workflow_id.name != WORKFLOW.name:
            raise EntityNotFound("workflow not found")
        return self.workflow


T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC).timestamp()  # the records fixture's origin


def _ran(started: float, seconds: float) -> Any:
    def edit(message: node_execution_pb2.NodeExecution | task_execution_pb2.TaskExecution) -> None:
        message.closure.started_at.FromNanoseconds(int((T0 + started) * 1e9))
        message.closure.duration.FromNanoseconds(int(seconds * 1e9))

    return edit


@pytest.fixture
def metrics(tmp_path: Path, records: Any) -> ExecutionMetrics:
    assert records.at(0).timestamp() == T0
    executions = memory.InMemoryExecutionReader()
    nodes = memory.InMemoryNodeExecutionStore()
    tasks = memory.InMemoryTaskExecutionStore()
    progress = execution_pb2.ExecutionClosure()
    progress.updated_at.FromNanoseconds(int((T0 + 25) * 1e9))
    executions.put(records.execution(workflow_id=WORKFLOW, progress=progress))
    nodes.put(records.node("start-node", created=0, updated=1))
    nodes.put(records.node("n0", created=2, updated=10))
    nodes.put(records.node("n1", created=11, updated=20, edit=_ran(12, 5)))
    tasks.put(records.task("n0", retry=0, created=3, updated=5, phase="FAILED", edit=_ran(4, 1)))
    tasks.put(records.task("n0", retry=1, created=6, updated=9, edit=_ran(7, 1.5)))
    node_reads = NodeExecutions(nodes, tasks)
    task_reads = TaskExecutions(tasks, nodes)
    data = ExecutionData(executions, nodes, tasks, LocalObjectStore(tmp_path))
    return ExecutionMetrics(executions, _Workflows(), node_reads, task_reads, data)


def _shape(span: Any) -> Any:
    """(what, start, end, children) with times in seconds after T0."""
    kind = span.WhichOneof("id")
    label = span.operation_id if kind == "operation_id" else kind
    if kind == "node_id":
        label = span.node_id.node_id
    if kind == "task_id":
        label = f"attempt {span.task_id.retry_attempt}"
    times = (span.start_time.ToNanoseconds() / 1e9 - T0, span.end_time.ToNanoseconds() / 1e9 - T0)
    children = [_shape(child) for child in span.spans]
    return (label, *times, children) if children else (label, *times)


async def _tree(metrics: ExecutionMetrics, records: Any, depth: int) -> Any:
    request = execution_pb2.WorkflowExecutionGetMetricsRequest(id=records.execution_id, depth=depth)
    return _shape((await metrics.get(request)).span)


async def test_the_span_tree_of_a_finished_run(metrics: ExecutionMetrics, records: Any) -> None:
    assert await _tree(metrics, records, 2) == (
        "workflow_id",
        0,
        25,
        [
            ("WORKFLOW_SETUP", 0, 1),
            (
                "n0",
                2,
                10,
                [
                    ("NODE_TRANSITION", 1, 2),
                    ("NODE_SETUP", 2, 3),
                    (
                        "attempt 0",
                        3,
                        5,
                        [("TASK_SETUP", 3, 4), ("TASK_RUNTIME", 4, 5), ("TASK_TEARDOWN", 5, 5)],
                    ),
                    ("NODE_RESET", 5, 6),
                    (
                        "attempt 1",
                        6,
                        9,
                        [("TASK_SETUP", 6, 7), ("TASK_RUNTIME", 7, 8.5), ("TASK_TEARDOWN", 8.5, 9)],
                    ),
                    ("NODE_TEARDOWN", 9, 10),
                ],
            ),
            (
                "n1",
                11,
                20,
                [
                    ("NODE_TRANSITION", 10, 11),
                    ("NODE_SETUP", 11, 12),
                    ("NODE_IDLE", 12, 17),
                    ("NODE_TEARDOWN", 17, 20),
                ],
            ),
            ("WORKFLOW_TEARDOWN", 20, 25),
        ],
    )


async def test_depth_limits_the_tree(metrics: ExecutionMetrics, records: Any) -> None:
    shallow = await _tree(metrics, records, 1)
    n0 = shallow[3][1]
    assert [child[0] for child in n0[3]] == [
        "NODE_TRANSITION",
        "NODE_SETUP",
        "NODE_RESET",
        "NODE_TEARDOWN",
    ], "attempts get spans of their own only while depth remains"
    assert await _tree(metrics, records, 0) == ("workflow_id", 0, 25)


async def test_an_unknown_execution_is_not_found(metrics: ExecutionMetrics) -> None:
    missing = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="x")
    with pytest.raises(EntityNotFound):
        await metrics.get(execution_pb2.WorkflowExecutionGetMetricsRequest(id=missing, depth=3))

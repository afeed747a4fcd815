"""Propeller's events through the edge become what GetExecution, ListNodeExecutions and
ListTaskExecutions answer: the deployed gateway, Kafka, the projector and admin's reads."""

from __future__ import annotations

import time
import uuid

import grpc
import httpx
import pytest
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2
from flyteidl.admin import task_execution_pb2 as te
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

LAUNCH_PLAN = "sample_workflows.wf_simple"
DOMAIN = "development"


@pytest.fixture(scope="module")
def execution(
    admin, runnable_project, running_system, propeller
) -> identifier_pb2.WorkflowExecutionIdentifier:  # type: ignore[no-untyped-def]
    """A launch plan executed with FlyteRemote, then run by propeller-like events."""
    project = runnable_project("evt")
    remote = FlyteRemote(
        Config.for_endpoint(
            f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}", insecure=True
        ),
        default_project=project,
        default_domain=DOMAIN,
    )
    launch_plan = remote.fetch_launch_plan(project, DOMAIN, LAUNCH_PLAN, "v1")
    started = remote.execute(
        launch_plan, inputs={"a": 3}, execution_name=f"e{uuid.uuid4().hex[:12]}"
    )
    execution_id = identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain=DOMAIN, name=started.id.name
    )
    for request in propeller.ExecutionStream(execution_id):
        _emit(admin, request)
    return execution_id


def _emit(admin: admin_pb2_grpc.AdminServiceStub, request: object) -> None:
    method = {
        "WorkflowExecutionEventRequest": admin.CreateWorkflowEvent,
        "NodeExecutionEventRequest": admin.CreateNodeEvent,
        "TaskExecutionEventRequest": admin.CreateTaskEvent,
    }[type(request).__name__]
    method(request)


def _projected(
    admin: admin_pb2_grpc.AdminServiceStub, execution_id, seconds: float = 60.0
) -> execution_pb2.Execution:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while True:
        execution = admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=execution_id))
        if execution.closure.phase == core.WorkflowExecution.SUCCEEDED:
            return execution
        assert time.monotonic() < deadline, f"still {execution.closure.phase} after {seconds}s"
        time.sleep(0.1)


def test_the_events_become_the_execution_its_nodes_and_attempts(admin, execution) -> None:  # type: ignore[no-untyped-def]
    projected = _projected(admin, execution)
    assert projected.closure.started_at.seconds > 0
    assert projected.closure.outputs.uri.endswith("/outputs.pb")

    top = admin.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=execution,
            limit=10,
            sort_by=common_pb2.Sort(key="node_id", direction=common_pb2.Sort.ASCENDING),
        )
    )
    assert [(n.id.node_id, n.closure.phase) for n in top.node_executions] == [
        ("n0", core.NodeExecution.SUCCEEDED),
        ("n1", core.NodeExecution.SUCCEEDED),
        ("n2", core.NodeExecution.SUCCEEDED),
    ]
    dynamic = next(n for n in top.node_executions if n.id.node_id == "n1")
    assert dynamic.metadata.is_parent_node and dynamic.metadata.is_dynamic

    attempts = admin.ListTaskExecutions(
        te.TaskExecutionListRequest(
            node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                execution_id=execution, node_id="n0"
            ),
            limit=10,
        )
    )
    phases = sorted((a.id.retry_attempt, a.closure.phase) for a in attempts.task_executions)
    assert phases == [(0, core.TaskExecution.RETRYABLE_FAILED), (1, core.TaskExecution.SUCCEEDED)]

    parent_attempt = identifier_pb2.TaskExecutionIdentifier(
        task_id=identifier_pb2.Identifier(
            resource_type=identifier_pb2.TASK,
            project=execution.project,
            domain=DOMAIN,
            name="tasks.fanout",
            version="v1",
        ),
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            execution_id=execution, node_id="n1"
        ),
        retry_attempt=0,
    )
    children = admin.ListNodeExecutionsForTask(
        node_execution_pb2.NodeExecutionForTaskListRequest(
            task_execution_id=parent_attempt, limit=10
        )
    )
    assert sorted(n.id.node_id for n in children.node_executions) == ["n1-0-dn0", "n1-0-dn1"]
    workflow = admin.GetDynamicNodeWorkflow(
        node_execution_pb2.GetDynamicNodeWorkflowRequest(id=dynamic.id)
    )
    assert [n.id for n in workflow.compiled_workflow.primary.template.nodes] == ["dn0", "dn1"]


def test_flyteremote_sees_the_run_finish(execution, edge_grpc_target) -> None:  # type: ignore[no-untyped-def]
    remote = FlyteRemote(
        Config.for_endpoint(edge_grpc_target, insecure=True),
        default_project=execution.project,
        default_domain=DOMAIN,
    )
    deadline = time.monotonic() + 60
    while not (fetched := remote.fetch_execution(name=execution.name)).is_done:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert fetched.closure.phase == core.WorkflowExecution.SUCCEEDED


def test_a_repeated_terminal_event_answers_like_the_reference(admin, execution, propeller) -> None:  # type: ignore[no-untyped-def]
    _projected(admin, execution)
    stream = list(propeller.ExecutionStream(execution))
    with pytest.raises(grpc.RpcError) as duplicate:
        _emit(admin, stream[-1])
    assert duplicate.value.code() == grpc.StatusCode.ALREADY_EXISTS  # type: ignore[attr-defined]
    with pytest.raises(grpc.RpcError) as terminal:
        _emit(admin, stream[1])
    assert terminal.value.code() == grpc.StatusCode.FAILED_PRECONDITION  # type: ignore[attr-defined]


def test_events_arrive_over_rest_too(admin, execution, edge_http_url) -> None:  # type: ignore[no-untyped-def]
    _projected(admin, execution)
    body = {
        "event": {
            "execution_id": {
                "project": execution.project,
                "domain": execution.domain,
                "name": execution.name,
            },
            "phase": "RUNNING",
            "occurred_at": "2026-11-27T00:00:00Z",
            "producer_id": "propeller",
        }
    }
    response = httpx.post(f"{edge_http_url}/api/v1/events/workflows", json=body)
    assert response.status_code == 400
    assert response.json()["message"].startswith("invalid phase change from SUCCEEDED to RUNNING")

"""What real clients of flyteadmin v1.16.8 read back, through the edge: REST JSON names, the
stored execution spec, event times, abort metadata and the error texts users search for."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import grpc
import httpx
import pytest
from flyteidl.admin import common_pb2, event_pb2, execution_pb2, project_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2 as events
from flyteidl.service import admin_pb2_grpc
from google.protobuf.timestamp_pb2 import Timestamp

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DOMAIN = "development"
LAUNCH_PLAN = "sample_workflows.wf_simple"  # a: int (required), b: int = default
TASK = "sample_workflows.t_square"  # x: int -> int
UNSET_SPEC_FIELDS = ("labels", "annotations", "notifications", "raw_output_data_config")


@pytest.fixture(scope="module")
def project(runnable_project: Callable[[str], str], admin: admin_pb2_grpc.AdminServiceStub) -> str:
    """A runnable project with labels: the reference applies them only to what it hands the
    executor, never to the stored spec."""
    project_id = runnable_project("wire")
    admin.UpdateProject(
        project_pb2.Project(
            id=project_id, name=project_id, labels=common_pb2.Labels(values={"team": "ml"})
        )
    )
    return project_id


def _identifier(project: str, resource_type: int, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=resource_type, project=project, domain=DOMAIN, name=name, version="v1"
    )


def _launch(
    admin: admin_pb2_grpc.AdminServiceStub,
    project: str,
    entity: identifier_pb2.Identifier,
    **inputs: int,
) -> identifier_pb2.WorkflowExecutionIdentifier:
    request = execution_pb2.ExecutionCreateRequest(
        project=project, domain=DOMAIN, name=f"w{uuid.uuid4().hex[:12]}"
    )
    request.spec.launch_plan.CopyFrom(entity)
    for name, value in inputs.items():
        request.inputs.literals[name].scalar.primitive.integer = value
    return admin.CreateExecution(request).id


def _get(
    admin: admin_pb2_grpc.AdminServiceStub, execution_id: identifier_pb2.WorkflowExecutionIdentifier
) -> execution_pb2.Execution:
    return admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=execution_id))


def _whole_second(offset: int) -> Timestamp:
    moment = Timestamp()
    moment.FromDatetime(datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=offset))
    return moment


def _workflow_event(
    admin: admin_pb2_grpc.AdminServiceStub,
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    phase: int,
    occurred_at: Timestamp,
) -> None:
    event = events.WorkflowExecutionEvent(
        execution_id=execution_id, producer_id="propeller", phase=phase, occurred_at=occurred_at
    )
    admin.CreateWorkflowEvent(
        event_pb2.WorkflowExecutionEventRequest(request_id=uuid.uuid4().hex, event=event)
    )


def _node_event(
    admin: admin_pb2_grpc.AdminServiceStub,
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    occurred_at: Timestamp,
) -> None:
    event = events.NodeExecutionEvent(
        id=identifier_pb2.NodeExecutionIdentifier(execution_id=execution_id, node_id="n0"),
        producer_id="propeller",
        phase=core.NodeExecution.RUNNING,
        spec_node_id="n0",
        node_name="n0",
        occurred_at=occurred_at,
        reported_at=occurred_at,
    )
    admin.CreateNodeEvent(
        event_pb2.NodeExecutionEventRequest(request_id=uuid.uuid4().hex, event=event)
    )


def _eventually(read: Callable[[], object], holds: Callable[[object], bool]) -> object:
    deadline = time.monotonic() + 60
    while True:
        value = read()
        if holds(value):
            return value
        assert time.monotonic() < deadline, f"never held: {value}"
        time.sleep(0.1)


def test_rest_answers_with_json_names_on_version_projects_and_a_task(
    edge_http_url: str, project: str
) -> None:
    with httpx.Client(base_url=edge_http_url) as client:
        version = client.get("/api/v1/version").json()
        projects = client.get("/api/v1/projects", params={"limit": 500}).json()
        task = client.get(f"/api/v1/tasks/{project}/{DOMAIN}/{TASK}/v1").json()
    assert set(version) == {"controlPlaneVersion"}
    assert set(version["controlPlaneVersion"]) == {"Build", "Version", "BuildTime"}
    ours = next(p for p in projects["projects"] if p["id"] == project)
    assert ours["labels"] == {"values": {"team": "ml"}} and ours["state"] == "ACTIVE"
    assert {"id", "name", "domains", "description", "labels", "state", "org"} <= set(ours)
    assert task["id"]["resourceType"] == "TASK"
    assert task["shortDescription"] == ""
    assert task["closure"]["compiledTask"]["template"]["id"]["name"] == TASK
    assert "createdAt" in task["closure"] and "compiled_task" not in task["closure"]


def test_rest_execution_and_node_executions_use_json_names_and_accept_both_spellings(
    edge_http_url: str, admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    named = {"project": project, "domain": DOMAIN, "name": LAUNCH_PLAN, "version": "v1"}
    inputs = {"literals": {"a": {"scalar": {"primitive": {"integer": "2"}}}}}
    camel = {
        "project": project,
        "domain": DOMAIN,
        "spec": {"launchPlan": {"resourceType": "LAUNCH_PLAN", **named}},
    }
    snake = {
        "project": project,
        "domain": DOMAIN,
        "spec": {"launch_plan": {"resource_type": "LAUNCH_PLAN", **named}},
    }
    with httpx.Client(base_url=edge_http_url) as client:
        created = [
            client.post("/api/v1/executions", json={**body, "inputs": inputs})
            for body in (camel, snake)
        ]
        assert [c.status_code for c in created] == [200, 200], [c.text for c in created]
        name = created[0].json()["id"]["name"]
        execution_id = identifier_pb2.WorkflowExecutionIdentifier(
            project=project, domain=DOMAIN, name=name
        )
        _node_event(admin, execution_id, _whole_second(1))
        path = f"{project}/{DOMAIN}/{name}"
        nodes = _eventually(
            lambda: client.get(f"/api/v1/node_executions/{path}", params={"limit": 5}).json(),
            lambda body: bool(body["nodeExecutions"]),  # type: ignore[index]
        )
        execution = client.get(f"/api/v1/executions/{path}").json()
    spec, closure = execution["spec"], execution["closure"]
    assert spec["launchPlan"]["name"] == LAUNCH_PLAN
    assert spec["metadata"]["systemMetadata"] == {
        "executionCluster": "",
        "namespace": f"{project}-{DOMAIN}",
    }
    assert spec["metadata"]["mode"] == "MANUAL"
    assert closure["phase"] == "UNDEFINED" and closure["createdAt"].endswith("Z")
    assert closure["stateChangeDetails"]["state"] == "EXECUTION_ACTIVE"
    assert "launch_plan" not in spec and "created_at" not in closure
    (node,) = nodes["nodeExecutions"]  # type: ignore[index]
    assert node["id"]["nodeId"] == "n0" and node["id"]["executionId"]["name"] == name
    assert node["closure"]["phase"] == "RUNNING" and "createdAt" in node["closure"]
    assert node["metadata"]["specNodeId"] == "n0"


def test_the_stored_spec_holds_what_the_request_held(
    edge_http_url: str, admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    from_plan = _launch(
        admin, project, _identifier(project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN), a=1
    )
    from_task = _launch(admin, project, _identifier(project, identifier_pb2.TASK, TASK), x=3)
    relaunched = admin.RelaunchExecution(
        execution_pb2.ExecutionRelaunchRequest(id=from_plan, name=f"r{uuid.uuid4().hex[:12]}")
    ).id
    recovered = admin.RecoverExecution(
        execution_pb2.ExecutionRecoverRequest(id=from_plan, name=f"c{uuid.uuid4().hex[:12]}")
    ).id
    for execution_id in (from_plan, from_task, relaunched, recovered):
        spec = _get(admin, execution_id).spec
        for field in UNSET_SPEC_FIELDS:
            assert not spec.HasField(field), (execution_id.name, field)
        assert spec.HasField("security_context"), "the reference stores the resolved one"
    rest = httpx.get(
        f"{edge_http_url}/api/v1/executions/{project}/{DOMAIN}/{from_plan.name}"
    ).json()["spec"]
    assert [rest[k] for k in ("labels", "annotations", "rawOutputDataConfig")] == [None] * 3
    assert "notifications" not in rest and "disableAll" not in rest, "an unset oneof stays out"

    labelled = execution_pb2.ExecutionCreateRequest(project=project, domain=DOMAIN)
    labelled.spec.launch_plan.CopyFrom(
        _identifier(project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN)
    )
    labelled.spec.labels.values["mine"] = "yes"
    labelled.inputs.literals["a"].scalar.primitive.integer = 1
    stored = _get(admin, admin.CreateExecution(labelled).id).spec
    assert dict(stored.labels.values) == {"mine": "yes"}, "without the project's labels"


def test_updated_at_after_an_event_is_the_events_time(
    admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    execution_id = _launch(
        admin, project, _identifier(project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN), a=1
    )
    created = _get(admin, execution_id).closure.created_at
    occurred = _whole_second(2)
    _workflow_event(admin, execution_id, core.WorkflowExecution.RUNNING, occurred)
    closure = _eventually(
        lambda: _get(admin, execution_id).closure,
        lambda c: c.phase == core.WorkflowExecution.RUNNING,  # type: ignore[attr-defined]
    )
    assert created.nanos != 0 or created.seconds, "created_at is the insert time"
    assert (closure.updated_at.seconds, closure.updated_at.nanos) == (occurred.seconds, 0)  # type: ignore[attr-defined]
    assert (closure.started_at.seconds, closure.started_at.nanos) == (occurred.seconds, 0)  # type: ignore[attr-defined]
    assert closure.created_at == created  # type: ignore[attr-defined]


def test_terminate_records_abort_metadata_from_aborting(
    edge_http_url: str, admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    plan = _identifier(project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN)
    with_cause, without = _launch(admin, project, plan, a=1), _launch(admin, project, plan, a=1)
    admin.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=with_cause, cause="stop"))
    admin.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=without))
    for execution_id, cause in ((with_cause, "stop"), (without, "")):
        closure = _get(admin, execution_id).closure
        assert closure.phase == core.WorkflowExecution.ABORTING
        assert closure.HasField("abort_metadata")
        assert (closure.abort_metadata.cause, closure.abort_metadata.principal) == (cause, "")
    rest = httpx.get(f"{edge_http_url}/api/v1/executions/{project}/{DOMAIN}/{without.name}").json()[
        "closure"
    ]
    assert rest["abortMetadata"] == {"cause": "", "principal": ""}

    _workflow_event(admin, with_cause, core.WorkflowExecution.ABORTED, _whole_second(1))
    _eventually(
        lambda: _get(admin, with_cause).closure.phase,
        lambda phase: phase == core.WorkflowExecution.ABORTED,
    )
    with pytest.raises(grpc.RpcError) as refused:
        admin.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=with_cause, cause="x"))
    assert refused.value.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert refused.value.details() == "Cannot abort an already terminated workflow execution"


def test_not_found_texts_are_the_references(
    admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    shown = f'project:"{project}" domain:"{DOMAIN}" name:"nope" version:"v1"'
    task = _identifier(project, identifier_pb2.TASK, "nope")
    plan = _identifier(project, identifier_pb2.LAUNCH_PLAN, "nope")
    with pytest.raises(grpc.RpcError) as no_task:
        admin.GetTask(common_pb2.ObjectGetRequest(id=task))
    with pytest.raises(grpc.RpcError) as no_plan:
        admin.GetLaunchPlan(common_pb2.ObjectGetRequest(id=plan))
    with pytest.raises(grpc.RpcError) as no_plan_to_run:
        _launch(admin, project, plan)
    assert no_task.value.code() is grpc.StatusCode.NOT_FOUND
    assert no_task.value.details() == f"missing entity of type TASK with identifier {shown}"
    for refused in (no_plan, no_plan_to_run):
        assert refused.value.code() is grpc.StatusCode.NOT_FOUND
        assert (
            refused.value.details() == f"missing entity of type LAUNCH_PLAN with identifier {shown}"
        )

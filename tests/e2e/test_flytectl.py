"""flytectl against the running system, when a flytectl binary is at hand (on PATH, or named by
FLIGHTDECK_FLYTECTL; 0.9.8 builds from its Go module once its sibling modules sit beside it).
What it prints must be what it prints for flyteadmin v1.16.8: the stored spec as the request held
it, abort metadata once ABORTING, the reference's error texts."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from flyteidl.admin import common_pb2, event_pb2, execution_pb2, project_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2 as events
from flyteidl.service import admin_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

FLYTECTL = shutil.which(os.environ.get("FLIGHTDECK_FLYTECTL", "flytectl"))
DOMAIN = "development"
TASK = "sample_workflows.t_square"
LAUNCH_PLAN = "sample_workflows.wf_simple"

Flytectl = Callable[..., subprocess.CompletedProcess[str]]

if FLYTECTL is None:
    pytest.skip("no flytectl binary (set FLIGHTDECK_FLYTECTL)", allow_module_level=True)


@pytest.fixture(scope="module")
def project(runnable_project: Callable[[str], str], admin: admin_pb2_grpc.AdminServiceStub) -> str:
    project_id = runnable_project("ctl")
    admin.UpdateProject(
        project_pb2.Project(
            id=project_id, name=project_id, labels=common_pb2.Labels(values={"team": "ml"})
        )
    )
    return project_id


@pytest.fixture
def flytectl(
    tmp_path: Path, edge_grpc_target: str
) -> Callable[..., subprocess.CompletedProcess[str]]:
    config = tmp_path / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{edge_grpc_target}\n  insecure: true\n")

    def run(*arguments: str) -> subprocess.CompletedProcess[str]:
        command = [str(FLYTECTL), "--config", str(config), *arguments]
        return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)

    return run


def _launch(
    admin: admin_pb2_grpc.AdminServiceStub,
    project: str,
    resource_type: int,
    name: str,
    **inputs: int,
) -> str:
    request = execution_pb2.ExecutionCreateRequest(
        project=project, domain=DOMAIN, name=f"c{uuid.uuid4().hex[:12]}"
    )
    request.spec.launch_plan.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=resource_type, project=project, domain=DOMAIN, name=name, version="v1"
        )
    )
    for key, value in inputs.items():
        request.inputs.literals[key].scalar.primitive.integer = value
    return admin.CreateExecution(request).id.name


def _execution(flytectl: Flytectl, project: str, name: str) -> dict[str, Any]:
    shown = flytectl("get", "execution", "-p", project, "-d", DOMAIN, name, "-o", "yaml")
    assert shown.returncode == 0, shown.stderr
    loaded: dict[str, Any] = yaml.safe_load(shown.stdout)
    return loaded


def test_get_execution_shows_the_spec_the_request_held(
    flytectl: Flytectl, admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    from_task = _launch(admin, project, identifier_pb2.TASK, TASK, x=2)
    from_plan = _launch(admin, project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN, a=2)
    task_spec = _execution(flytectl, project, from_task)["spec"]
    plan_spec = _execution(flytectl, project, from_plan)["spec"]
    assert set(task_spec) == {"launchPlan", "metadata", "securityContext"}
    assert set(plan_spec) == {"launchPlan", "metadata", "securityContext", "maxParallelism"}
    assert plan_spec["metadata"]["systemMetadata"] == {"namespace": f"{project}-{DOMAIN}"}


def test_delete_execution_aborts_with_metadata_and_is_refused_once_ended(
    flytectl: Flytectl, admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    name = _launch(admin, project, identifier_pb2.LAUNCH_PLAN, LAUNCH_PLAN, a=2)
    deleted = flytectl("delete", "execution", "-p", project, "-d", DOMAIN, name)
    assert deleted.returncode == 0, deleted.stderr
    closure = _execution(flytectl, project, name)["closure"]
    assert closure["phase"] == "ABORTING" and closure["abortMetadata"] == {}
    _aborted(admin, project, name)
    deadline = time.monotonic() + 60
    while _execution(flytectl, project, name)["closure"]["phase"] != "ABORTED":
        assert time.monotonic() < deadline, "the ABORTED event was never projected"
        time.sleep(0.1)
    again = flytectl("delete", "execution", "-p", project, "-d", DOMAIN, name)
    assert "Cannot abort an already terminated workflow execution" in again.stderr


def _aborted(admin: admin_pb2_grpc.AdminServiceStub, project: str, name: str) -> None:
    event = events.WorkflowExecutionEvent(
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project=project, domain=DOMAIN, name=name
        ),
        producer_id="propeller",
        phase=core.WorkflowExecution.ABORTED,
    )
    event.occurred_at.GetCurrentTime()
    admin.CreateWorkflowEvent(
        event_pb2.WorkflowExecutionEventRequest(request_id=uuid.uuid4().hex, event=event)
    )


def test_missing_entities_are_named_as_the_reference_names_them(
    flytectl: Flytectl, project: str
) -> None:
    shown = f'project:"{project}" domain:"{DOMAIN}" name:"nope" version:"v1"'
    for kind, command in (("TASK", "task"), ("LAUNCH_PLAN", "launchplan")):
        missing = flytectl("get", command, "-p", project, "-d", DOMAIN, "nope", "--version", "v1")
        assert missing.returncode != 0
        assert f"missing entity of type {kind} with identifier {shown}" in missing.stderr

"""Executions beyond creation through the edge, with real flytekit: a task launched directly
(the single-task path), relaunch, recover, terminate, archive and list; and `pyflyte run
--remote` against the running system, including an input it refuses by name."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import grpc
import pytest
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.models.core.identifier import WorkflowExecutionIdentifier
from flytekit.remote import FlyteRemote

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

LAUNCH_PLAN = "sample_workflows.wf_simple"  # a: int (required), b: int = default
TASK = "sample_workflows.t_square"  # x: int -> int
RUN_TIMEOUT_SECONDS = 300
WORKFLOW_MODULE = """
from flytekit import task, workflow


@task
def inc(x: int) -> int:
    return x + 1


@workflow
def bump(x: int) -> int:
    return inc(x=x)
"""


@pytest.fixture(scope="module")
def project(runnable_project: Callable[[str], str]) -> str:
    return runnable_project("life")


@pytest.fixture
def remote(edge_grpc_target: str, project: str) -> FlyteRemote:
    return FlyteRemote(
        Config.for_endpoint(edge_grpc_target, insecure=True),
        default_project=project,
        default_domain="development",
    )


def _name() -> str:
    return f"e{uuid.uuid4().hex[:12]}"


def test_flyteremote_executes_a_task_directly(
    remote: FlyteRemote, project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    task = remote.fetch_task(project, "development", TASK, "v1")
    name = _name()
    started = remote.execute(task, inputs={"x": 4}, execution_name=name)
    fetched = remote.fetch_execution(project, "development", name)
    assert fetched.id.name == started.id.name == name
    assert fetched.spec.launch_plan.name == TASK
    assert fetched.inputs["x"] == 4
    generated = admin.GetLaunchPlan(
        common_pb2.ObjectGetRequest(
            id=identifier_pb2.Identifier(
                resource_type=identifier_pb2.LAUNCH_PLAN,
                project=project,
                domain="development",
                name=f".flytegen.{TASK}",
                version="v1",
            )
        )
    )
    assert generated.spec.workflow_id.name == TASK, "the reference's quirk"
    workflow = remote.fetch_workflow(project, "development", f".flytegen.{TASK}", "v1")
    assert [node.id for node in workflow.template.nodes] == ["sampleworkflowstsquare"]


def test_relaunch_recover_terminate_and_archive(
    remote: FlyteRemote, project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    launch_plan = remote.fetch_launch_plan(project, "development", LAUNCH_PLAN, "v1")
    original = remote.execute(launch_plan, inputs={"a": 5}, execution_name=_name())
    original_id = original.id.to_flyte_idl()
    relaunched = remote.client.relaunch_execution(original.id, _name())
    recovered = remote.client.recover_execution(original.id, _name())
    for new_id, mode in (
        (relaunched, execution_pb2.ExecutionMetadata.RELAUNCH),
        (recovered, execution_pb2.ExecutionMetadata.RECOVERED),
    ):
        stored = admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=new_id.to_flyte_idl())
        )
        assert stored.spec.metadata.mode == mode
        assert stored.spec.metadata.reference_execution == original_id
        data = admin.GetExecutionData(
            execution_pb2.WorkflowExecutionGetDataRequest(id=new_id.to_flyte_idl())
        )
        assert data.full_inputs.literals["a"].scalar.primitive.integer == 5

    remote.terminate(original, cause="not needed")
    stopped = admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=original_id))
    assert stopped.closure.phase == core_execution_pb2.WorkflowExecution.ABORTING
    assert stopped.closure.abort_metadata.cause == "not needed"
    remote.terminate(original, cause="again")  # allowed while ABORTING

    admin.UpdateExecution(
        execution_pb2.ExecutionUpdateRequest(id=original_id, state=execution_pb2.EXECUTION_ARCHIVED)
    )
    listed, _ = remote.client.list_executions_paginated(project, "development", limit=100)
    names = {execution.id.name for execution in listed}
    assert original.id.name not in names, "archived executions leave the default listing"
    assert {relaunched.name, recovered.name} <= names


def test_list_executions_pages_and_filters(
    project: str, admin: admin_pb2_grpc.AdminServiceStub, remote: FlyteRemote
) -> None:
    launch_plan = remote.fetch_launch_plan(project, "development", LAUNCH_PLAN, "v1")
    tag = f"t{uuid.uuid4().hex[:8]}"
    for _ in range(3):
        request = execution_pb2.ExecutionCreateRequest(project=project, domain="development")
        request.spec.launch_plan.CopyFrom(launch_plan.id.to_flyte_idl())
        request.spec.tags.append(tag)
        request.inputs.literals["a"].scalar.primitive.integer = 1
        admin.CreateExecution(request)
    seen: list[str] = []
    token = ""
    while True:
        page = admin.ListExecutions(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project=project, domain="development"),
                limit=2,
                token=token,
                filters=f"eq(execution_tag.key,{tag})+eq(phase,UNDEFINED)",
            )
        )
        seen += [execution.id.name for execution in page.executions]
        assert all(not e.spec.inputs.literals for e in page.executions)
        token = page.token
        if not token:
            break
    assert len(seen) == len(set(seen)) == 3
    with pytest.raises(grpc.RpcError) as refused:
        admin.ListExecutions(
            common_pb2.ResourceListRequest(
                id=common_pb2.NamedEntityIdentifier(project=project, domain="development"),
                limit=2,
                filters="eq(project,x)",
            )
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT


def test_terminating_an_unknown_execution_is_not_found(
    admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> None:
    missing = identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain="development", name="never-ran"
    )
    with pytest.raises(grpc.RpcError) as absent:
        admin.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=missing, cause="x"))
    assert absent.value.code() is grpc.StatusCode.NOT_FOUND


def _pyflyte_run(tmp_path: Path, edge_grpc_target: str, project: str, name: str, *inputs: str):  # type: ignore[no-untyped-def]
    source = tmp_path / "flows.py"
    source.write_text(WORKFLOW_MODULE)
    config = tmp_path / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{edge_grpc_target}\n  insecure: true\n")
    command = [
        sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
        "--config", str(config),
        "run", "--remote", "--project", project, "--domain", "development",
        "--name", name,
        str(source), "bump", *inputs,
    ]  # fmt: skip
    return subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


def test_pyflyte_run_remote_creates_an_execution(
    tmp_path: Path, edge_grpc_target: str, project: str, remote: FlyteRemote
) -> None:
    done = _pyflyte_run(tmp_path, edge_grpc_target, project, _name(), "--x", "41")
    assert done.returncode == 0, f"pyflyte run failed:\n{done.stdout}\n{done.stderr}"
    listed, _ = remote.client.list_executions_paginated(
        project, "development", limit=100, filters=None
    )
    bumps = [e for e in listed if e.spec.launch_plan.name == "flows.bump"]
    assert len(bumps) == 1
    fetched = remote.fetch_execution(project, "development", bumps[0].id.name)
    assert fetched.inputs["x"] == 41
    assert isinstance(fetched.id, WorkflowExecutionIdentifier)


@pytest.mark.parametrize(
    ("inputs", "refusals"),
    [
        ((), ("StatusCode.INVALID_ARGUMENT", "expected_inputs x missing")),
        (("--x", "forty-one"), ("Invalid value for '--x'", "forty-one")),
    ],
    ids=["missing-refused-by-admin", "mistyped-refused-by-pyflyte"],
)
def test_pyflyte_run_remote_refuses_a_bad_input_by_name_and_creates_nothing(
    tmp_path: Path,
    edge_grpc_target: str,
    project: str,
    admin: admin_pb2_grpc.AdminServiceStub,
    inputs: tuple[str, ...],
    refusals: tuple[str, ...],
) -> None:
    """pyflyte sends a run without its required input, and shows admin's INVALID_ARGUMENT; it
    parses a mistyped one itself, against the workflow's interface, before calling (admin's
    answer to a mistyped input is in test_executions.py, through FlyteRemote and raw stubs)."""
    name = _name()
    done = _pyflyte_run(tmp_path, edge_grpc_target, project, name, *inputs)
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert all(refusal in said for refusal in refusals), said
    with pytest.raises(grpc.RpcError) as missing:
        admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(
                id=identifier_pb2.WorkflowExecutionIdentifier(
                    project=project, domain="development", name=name
                )
            )
        )
    assert missing.value.code() is grpc.StatusCode.NOT_FOUND

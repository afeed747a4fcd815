"""Launch-plan nodes and RecoverExecution on the running system, with real flytekit
(`pyflyte run --remote` of the module below): a parent completes through its child execution,
each naming the other; terminating a parent aborts its child; recovering a run that failed on
its last node re-runs only that node, the nodes before it RECOVERED without a task execution."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import (
    common_pb2,
    execution_pb2,
    node_execution_pb2,
    project_pb2,
    task_execution_pb2,
)
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DOMAIN = "development"
PYFLYTE_TIMEOUT_SECONDS = 600
RUN_DEADLINE_SECONDS = 300
FLOWS = """
import time
from pathlib import Path

from flytekit import LaunchPlan, task, workflow


@task
def add_one(x: int) -> int:
    return x + 1


@workflow
def child(x: int) -> int:
    return add_one(x=x)


child_lp = LaunchPlan.get_or_create(child, name="flows.child_lp")


@workflow
def parent(x: int) -> int:
    return child_lp(x=x)


@task
def linger(seconds: int) -> int:
    time.sleep(seconds)
    return seconds


@workflow
def slow_child(seconds: int) -> int:
    return linger(seconds=seconds)


slow_lp = LaunchPlan.get_or_create(slow_child, name="flows.slow_lp")


@workflow
def slow_parent(seconds: int) -> int:
    return slow_lp(seconds=seconds)


def _mark(marker_dir: str, name: str) -> None:
    with open(Path(marker_dir) / f"{name}.log", "a") as marks:
        marks.write("ran\\n")


@task
def first(marker_dir: str) -> int:
    _mark(marker_dir, "first")
    return 1


@task
def second(marker_dir: str, x: int) -> int:
    _mark(marker_dir, "second")
    return x + 1


@task
def third(marker_dir: str, x: int) -> int:
    _mark(marker_dir, "third")
    if not (Path(marker_dir) / "allow").exists():
        raise ValueError("third refuses until allowed")
    return x * 10


@workflow
def three_steps(marker_dir: str) -> int:
    a = first(marker_dir=marker_dir)
    b = second(marker_dir=marker_dir, x=a)
    return third(marker_dir=marker_dir, x=b)
"""
NODE = execution_pb2.WorkflowExecutionGetRequest


class Runs:
    """`pyflyte run --remote` of FLOWS in a project of its own, and admin's view of the runs."""

    def __init__(self, admin: admin_pb2_grpc.AdminServiceStub, edge: str, root: Path) -> None:
        self.admin = admin
        self.project = f"kin-{uuid.uuid4().hex[:10]}"
        admin.RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=self.project, name=self.project)
            )
        )
        self.root = root
        (root / "flows.py").write_text(FLOWS)
        self.config = root / "config.yaml"
        self.config.write_text(f"admin:\n  endpoint: dns:///{edge}\n  insecure: true\n")

    def launch(self, workflow: str, *inputs: str) -> identifier_pb2.WorkflowExecutionIdentifier:
        name = f"k{uuid.uuid4().hex[:12]}"
        command = [
            sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
            "--config", str(self.config),
            "run", "--remote", "--project", self.project, "--domain", DOMAIN, "--name", name,
            "flows.py", workflow, *inputs,
        ]  # fmt: skip
        done = subprocess.run(
            command,
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=PYFLYTE_TIMEOUT_SECONDS,
            check=False,
        )
        assert done.returncode == 0, f"pyflyte run {workflow}:\n{done.stdout}\n{done.stderr}"
        return identifier_pb2.WorkflowExecutionIdentifier(
            project=self.project, domain=DOMAIN, name=name
        )

    def get(self, execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> Any:
        return self.admin.GetExecution(NODE(id=execution_id))

    def node(self, execution_id: identifier_pb2.WorkflowExecutionIdentifier, node_id: str) -> Any:
        return self.admin.GetNodeExecution(
            node_execution_pb2.NodeExecutionGetRequest(
                id=identifier_pb2.NodeExecutionIdentifier(
                    node_id=node_id, execution_id=execution_id
                )
            )
        )

    def tasks_of(self, node: Any) -> list[Any]:
        page = self.admin.ListTaskExecutions(
            task_execution_pb2.TaskExecutionListRequest(node_execution_id=node.id, limit=100)
        )
        return list(page.task_executions)


@pytest.fixture(scope="module")
def runs(
    running_system: dict[str, str],
    admin: admin_pb2_grpc.AdminServiceStub,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runs]:
    edge = f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"
    yield Runs(admin, edge, tmp_path_factory.mktemp("flows"))


def _ended(runs: Runs, wait_for: Callable[..., Any], execution_id: Any) -> Any:
    def terminal() -> Any:
        execution = runs.get(execution_id)
        ended = {core.WorkflowExecution.SUCCEEDED, core.WorkflowExecution.FAILED}
        return (
            execution
            if execution.closure.phase in ended | {core.WorkflowExecution.ABORTED}
            else None
        )

    return wait_for(terminal, RUN_DEADLINE_SECONDS, f"execution {execution_id.name} to end")


def test_a_launch_plan_node_completes_through_its_child_and_each_names_the_other(
    runs: Runs, wait_for: Callable[..., Any]
) -> None:
    parent_id = runs.launch("parent", "--x", "41")
    parent = _ended(runs, wait_for, parent_id)
    assert parent.closure.phase == core.WorkflowExecution.SUCCEEDED
    outputs = runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=parent_id)
    ).full_outputs
    assert outputs.literals["o0"].scalar.primitive.integer == 42

    node = runs.node(parent_id, "n0")
    assert node.closure.phase == core.NodeExecution.SUCCEEDED
    child_id = node.closure.workflow_node_metadata.executionId
    assert child_id.name and child_id.project == runs.project
    child = runs.get(child_id)
    assert child.closure.phase == core.WorkflowExecution.SUCCEEDED
    assert child.spec.metadata.mode == execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
    assert child.spec.metadata.parent_node_execution == node.id
    assert child.spec.metadata.nesting == 1
    assert child.spec.launch_plan.name == "flows.child_lp"
    listed = runs.admin.ListExecutions(
        common_pb2.ResourceListRequest(
            id=common_pb2.NamedEntityIdentifier(project=runs.project, domain=DOMAIN), limit=100
        )
    )
    by_name = {e.id.name: e for e in listed.executions}
    assert by_name[child_id.name].spec.metadata.parent_node_execution == node.id


def test_terminating_a_parent_aborts_its_child(runs: Runs, wait_for: Callable[..., Any]) -> None:
    parent_id = runs.launch("slow_parent", "--seconds", "600")

    def running_child() -> Any:
        try:
            node = runs.node(parent_id, "n0")
        except Exception:
            return None
        child_id = node.closure.workflow_node_metadata.executionId
        return child_id if child_id.name else None

    child_id = wait_for(running_child, RUN_DEADLINE_SECONDS, "the child execution to start")
    runs.admin.TerminateExecution(
        execution_pb2.ExecutionTerminateRequest(id=parent_id, cause="no longer needed")
    )

    parent = _ended(runs, wait_for, parent_id)
    child = _ended(runs, wait_for, child_id)
    assert parent.closure.phase == core.WorkflowExecution.ABORTED
    assert child.closure.phase == core.WorkflowExecution.ABORTED
    assert parent_id.name in child.closure.abort_metadata.cause
    assert runs.node(parent_id, "n0").closure.phase == core.NodeExecution.ABORTED


def test_recovering_a_run_that_failed_on_its_last_node_reruns_only_that_node(
    runs: Runs, wait_for: Callable[..., Any], tmp_path: Path
) -> None:
    marks = tmp_path / "marks"
    marks.mkdir()
    failed_id = runs.launch("three_steps", "--marker_dir", str(marks))
    failed = _ended(runs, wait_for, failed_id)
    assert failed.closure.phase == core.WorkflowExecution.FAILED
    assert "third refuses until allowed" in failed.closure.error.message
    (marks / "allow").touch()

    recovered_id = runs.admin.RecoverExecution(
        execution_pb2.ExecutionRecoverRequest(id=failed_id, name=f"r{uuid.uuid4().hex[:12]}")
    ).id
    recovered = _ended(runs, wait_for, recovered_id)

    assert recovered.closure.phase == core.WorkflowExecution.SUCCEEDED
    outputs = runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=recovered_id)
    ).full_outputs
    assert outputs.literals["o0"].scalar.primitive.integer == 20
    runs_of = {
        name: len((marks / f"{name}.log").read_text().splitlines())
        for name in ("first", "second", "third")
    }
    assert runs_of == {"first": 1, "second": 1, "third": 2}
    for node_id, value in (("n0", 1), ("n1", 2)):
        node = runs.node(recovered_id, node_id)
        assert node.closure.phase == core.NodeExecution.RECOVERED, node_id
        assert runs.tasks_of(node) == [], f"{node_id} was not executed again"
        data = runs.admin.GetNodeExecutionData(
            node_execution_pb2.NodeExecutionGetDataRequest(id=node.id)
        )
        assert data.full_outputs.literals["o0"].scalar.primitive.integer == value
    last = runs.node(recovered_id, "n2")
    assert last.closure.phase == core.NodeExecution.SUCCEEDED
    assert [t.closure.phase for t in runs.tasks_of(last)] == [core.TaskExecution.SUCCEEDED]

"""flightdeck hands its runs to the real flytepropeller v1.16.8, end to end (issue 15's
acceptance): flytekit workflows (tests/propeller/flows/handoff_flows.py) registered and started
with ``pyflyte run --remote`` through the edge, in a project whose cluster assignment names a
pool that only an extra executor replica serves, in hand-off mode, acting in the cluster as the
ServiceAccount of deploy/k8s/rbac/executor-handoff.yaml. That replica creates the FlyteWorkflow;
propeller runs it and reports through the edge; flightdeck's projections are what FlyteRemote
and the AdminService read back. The standard local executor leaves these runs alone.

- echo tasks (propeller's echo plugin), a branch, a sub-workflow, a launch-plan node (a child
  execution propeller creates through admin, handed off in turn) and an approve gate (approved
  through SignalService) reach SUCCEEDED with their outputs;
- terminating a run waiting at a sleep gate deletes its FlyteWorkflow and aborts everything;
- python tasks and a map task run as pods, which the kubelet stand-in (kubelet.py) runs;
- the same python workflow run by the local executor projects the same nodes, phases and task
  attempts, except where the two engines legitimately differ (see the comparison test).
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import testkit
from flyteidl.admin import (
    cluster_assignment_pb2,
    execution_pb2,
    matchable_resource_pb2,
    node_execution_pb2,
    project_domain_attributes_pb2,
    project_pb2,
    task_execution_pb2,
)
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.remote import FlyteRemote

pytestmark = [pytest.mark.propeller, pytest.mark.e2e]

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
FLOWS = HERE / "flows" / "handoff_flows.py"
RBAC = REPO / "deploy" / "k8s" / "rbac" / "executor-handoff.yaml"
ACCOUNT_NAMESPACE, ACCOUNT = "flightdeck", "flightdeck-executor"
DOMAIN = "development"
PYFLYTE_TIMEOUT_SECONDS = 600
RUN_SECONDS = 240.0
"""A run's deadline: propeller's rounds are 2 s here, the machine's two cores shared."""
TERMINAL = testkit.TERMINAL
kubelet = testkit.load_script("propeller_kubelet", HERE / "kubelet.py")
wait_for = testkit.wait_for


@pytest.fixture(autouse=True)
def _client_sockets_collected() -> Iterator[None]:
    yield
    testkit.collect_client_sockets()


# --- the hand-off replica --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool() -> str:
    """This module's cluster pool: only its hand-off replica serves it."""
    return f"handoff-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def handoff_executor(
    kube_cluster: Any, running_system: dict[str, str], local_launcher: ModuleType, pool: str
) -> Iterator[subprocess.Popen[bytes]]:
    """An executor replica in hand-off mode next to the standard one: its own consumer group
    (both see every command; each acts on its own pools' runs), the cluster's kubeconfig of
    the executor's ServiceAccount, so its RBAC is what is exercised."""
    kube_cluster.kube.apply_manifest(RBAC)
    kubeconfig = kube_cluster.service_account_kubeconfig(ACCOUNT_NAMESPACE, ACCOUNT)
    service = next(s for s in local_launcher.SERVICES if s.name == "executor")
    prefix = service.env_prefix
    port = testkit.free_port()
    env = local_launcher.service_env(service, "json")
    env.update(
        {
            f"{prefix}MODE": "handoff",
            f"{prefix}HANDOFF__KUBE_CONFIG": str(kubeconfig),
            f"{prefix}SERVER__HTTP_PORT": str(port),
            f"{prefix}COMMANDS__CLUSTER_POOLS": json.dumps([pool]),
            f"{prefix}COMMANDS__CONSUMER_GROUP": f"flightdeck-executor-{pool}",
        }
    )
    log_path = REPO / "var" / "log" / f"test-executor-{pool}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", service.module],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the hand-off executor exited; see {log_path}")
            return local_launcher.answers(f"http://127.0.0.1:{port}/readyz") == 200

        wait_for(ready, 60, "the hand-off executor to be ready")
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- runs through the edge -----------------------------------------------------------------


@dataclass
class Runs:
    """One project's runs of handoff_flows.py: ``pyflyte run --remote`` to start them, the
    AdminService and FlyteRemote to read them back."""

    project: str
    config: Path
    remote: FlyteRemote
    admin: admin_pb2_grpc.AdminServiceStub

    def launch(self, workflow: str, **inputs: object) -> str:
        name = f"h{uuid.uuid4().hex[:12]}"
        options = [part for key, value in inputs.items() for part in (f"--{key}", str(value))]
        command = [
            sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
            "--config", str(self.config),
            "run", "--remote", "--project", self.project, "--domain", DOMAIN, "--name", name,
            str(FLOWS), workflow, *options,
        ]  # fmt: skip
        done = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=PYFLYTE_TIMEOUT_SECONDS,
            check=False,
        )
        assert done.returncode == 0, f"pyflyte run {workflow}:\n{done.stdout}\n{done.stderr}"
        return name

    def execution_id(self, name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
        return identifier_pb2.WorkflowExecutionIdentifier(
            project=self.project, domain=DOMAIN, name=name
        )

    def get(self, name: str) -> execution_pb2.Execution:
        return self.admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=self.execution_id(name))
        )

    def wait_terminal(self, name: str) -> execution_pb2.Execution:
        def ended() -> execution_pb2.Execution | None:
            execution = self.get(name)
            return execution if execution.closure.phase in TERMINAL else None

        return wait_for(ended, RUN_SECONDS, f"execution {name} to end")

    def nodes(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, parent: str = ""
    ) -> list[node_execution_pb2.NodeExecution]:
        return testkit.node_executions(self.admin, execution, parent)

    def attempts(
        self, node: identifier_pb2.NodeExecutionIdentifier
    ) -> list[task_execution_pb2.TaskExecution]:
        return testkit.task_attempts(self.admin, node)


def _new_project(admin: admin_pb2_grpc.AdminServiceStub, prefix: str, pool: str | None) -> str:
    """A new project; with ``pool``, its development runs are assigned to that cluster pool
    (admin's ClusterAssignment matchable attribute)."""
    project = f"{prefix}-{uuid.uuid4().hex[:8]}"
    admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project))
    )
    if pool is not None:
        admin.UpdateProjectDomainAttributes(
            project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
                attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                    project=project,
                    domain=DOMAIN,
                    matching_attributes=matchable_resource_pb2.MatchingAttributes(
                        cluster_assignment=cluster_assignment_pb2.ClusterAssignment(
                            cluster_pool_name=pool
                        )
                    ),
                )
            )
        )
    return project


def _runs(
    admin: admin_pb2_grpc.AdminServiceStub,
    ports: Mapping[str, str],
    directory: Path,
    prefix: str,
    pool: str | None,
) -> Runs:
    project = _new_project(admin, prefix, pool)
    edge = f"127.0.0.1:{ports['FLIGHTDECK_EDGE_GRPC_PORT']}"
    config = directory / f"{project}.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{edge}\n  insecure: true\n")
    remote = FlyteRemote(
        Config.for_endpoint(edge, insecure=True), default_project=project, default_domain=DOMAIN
    )
    return Runs(project, config, remote, admin)


@pytest.fixture(scope="module")
def handed_off(
    handoff_executor: subprocess.Popen[bytes],
    admin: admin_pb2_grpc.AdminServiceStub,
    running_system: dict[str, str],
    pool: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Runs:
    """A project whose runs go to propeller."""
    return _runs(admin, running_system, tmp_path_factory.mktemp("flyte"), "handoff", pool)


@pytest.fixture(scope="module")
def run_here(
    admin: admin_pb2_grpc.AdminServiceStub,
    running_system: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Runs:
    """A project whose runs the standard local executor runs."""
    return _runs(admin, running_system, tmp_path_factory.mktemp("flyte"), "local", None)


# --- what flightdeck projected ---------------------------------------------------------------


@dataclass(frozen=True)
class Projected:
    """One node execution as flightdeck projected it, with its task attempts."""

    path: str
    """Spec node ids from the top: ``n2/n0`` is node n0 of the sub-workflow node n2."""
    node_id: str
    phase: str
    parent: bool
    attempts: tuple[tuple[int, str, str], ...]
    """(retry attempt, phase, task name) of each task execution."""


def nodes_of(
    runs: Runs, execution: identifier_pb2.WorkflowExecutionIdentifier
) -> dict[str, node_execution_pb2.NodeExecution]:
    """Every node execution of the run by path, the children of parent nodes included."""
    found: dict[str, node_execution_pb2.NodeExecution] = {}

    def walk(parent: str, prefix: str) -> None:
        for node in runs.nodes(execution, parent):
            path = f"{prefix}{node.metadata.spec_node_id or node.id.node_id}"
            found[path] = node
            if node.metadata.is_parent_node:
                walk(node.id.node_id, f"{path}/")

    walk("", "")
    return found


def projection(
    runs: Runs, execution: identifier_pb2.WorkflowExecutionIdentifier
) -> list[Projected]:
    projected = []
    for path, node in nodes_of(runs, execution).items():
        attempts = tuple(
            (a.id.retry_attempt, core.TaskExecution.Phase.Name(a.closure.phase), a.id.task_id.name)
            for a in runs.attempts(node.id)
        )
        projected.append(
            Projected(
                path,
                node.id.node_id,
                core.NodeExecution.Phase.Name(node.closure.phase),
                node.metadata.is_parent_node,
                attempts,
            )
        )
    return sorted(projected, key=lambda p: p.path)


def rejected_events(kube_cluster: Any, execution_names: set[str]) -> list[str]:
    """Propeller's warnings and errors about the runs' events: it logs each event the control
    plane refused. AlreadyExists (an event sent again) is the only harmless refusal."""
    return [
        line.get("msg", "")
        for line in kube_cluster.propeller_log_lines()
        if line.get("json", {}).get("exec_id") in execution_names
        and line.get("level") in ("error", "warning")
        and "event" in line.get("msg", "").lower()
        and "AlreadyExists" not in line.get("msg", "")
    ]


def flyteworkflow(kube_cluster: Any, runs: Runs, name: str) -> dict[str, Any] | None:
    """The run's FlyteWorkflow object, None once it is gone."""
    path = f"/apis/flyte.lyft.com/v1alpha1/namespaces/{runs.project}-{DOMAIN}/flyteworkflows/{name}"
    response = kube_cluster.kube.request("GET", path)
    if response.status_code == 404:
        return None
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


PROPELLER_SUCCEEDED = 5
"""v1alpha1.NodePhaseSucceeded in a FlyteWorkflow's nodeStatus."""
WORKFLOW_SUCCEEDED = 3
"""v1alpha1.WorkflowPhaseSuccess."""


def outputs_of(remote: FlyteRemote, name: str, project: str | None = None) -> dict[str, Any]:
    """The run's outputs as FlyteRemote reads them (GetExecutionData), as Python values."""
    execution = remote.sync_execution(remote.fetch_execution(name=name, project=project))
    return {key: execution.outputs.get(key) for key in execution.outputs}


# --- the tests -------------------------------------------------------------------------------


def test_echo_tasks_branch_subworkflow_launch_plan_and_approve_gate_succeed_on_propeller(
    handed_off: Runs, kube_cluster: Any
) -> None:
    name = handed_off.launch("echo_tour", text="hello", n=5)
    remote = handed_off.remote
    # SetSignal needs the signal propeller's gate creates (GetOrCreateSignal) when it starts.
    wait_for(
        lambda: any(s.id.signal_id == "go" for s in remote.list_signals(name)),
        RUN_SECONDS,
        "propeller to create the approve gate's signal",
    )
    remote.approve("go", name)
    run = handed_off.wait_terminal(name)
    assert run.closure.phase == core.WorkflowExecution.SUCCEEDED, run.closure.error
    assert outputs_of(remote, name) == {"nested": "hello", "size": "big", "approved": 5}

    execution = handed_off.execution_id(name)
    nodes = nodes_of(handed_off, execution)
    echo = ((0, "SUCCEEDED", "echo_text"),)
    assert projection(handed_off, execution) == [
        Projected("end-node", "end-node", "SUCCEEDED", False, ()),
        Projected("n0", "n0", "SUCCEEDED", False, echo),
        Projected("n1", "n1", "SUCCEEDED", True, ()),  # the branch took its `then`
        Projected("n1/n1-n0", "n1-0-n1-n0", "SUCCEEDED", False, echo),
        Projected("n2", "n2", "SUCCEEDED", True, ()),  # the sub-workflow
        Projected("n2/end-node", "n2-0-end-node", "SUCCEEDED", False, ()),
        Projected("n2/n0", "n2-0-n0", "SUCCEEDED", False, echo),
        Projected("n2/start-node", "n2-0-start-node", "SUCCEEDED", False, ()),
        Projected("n3", "n3", "SUCCEEDED", False, ()),  # the launch-plan node
        Projected("n4", "n4", "SUCCEEDED", False, ()),  # the approve gate
        Projected("start-node", "start-node", "SUCCEEDED", False, ()),
    ]
    # Propeller's own task events: its echo plugin answered (flightdeck's executor has none).
    for path in ("n0", "n1/n1-n0", "n2/n0"):
        (attempt,) = handed_off.attempts(nodes[path].id)
        assert attempt.closure.task_type == "echo"
        assert attempt.closure.metadata.plugin_identifier == "echo"
        assert attempt.closure.metadata.generated_name.startswith(f"{name}-")

    # The launch-plan node's child: created by propeller through admin, handed off in turn.
    child_id = nodes["n3"].closure.workflow_node_metadata.executionId
    child = handed_off.admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=child_id))
    assert child.closure.phase == core.WorkflowExecution.SUCCEEDED
    assert child.spec.metadata.parent_node_execution == nodes["n3"].id
    assert outputs_of(remote, child_id.name) == {"o0": 5}
    (child_attempt,) = handed_off.attempts(nodes_of(handed_off, child_id)["n0"].id)
    assert child_attempt.closure.metadata.plugin_identifier == "echo"

    (signal,) = remote.list_signals(name)
    assert signal.value.scalar.primitive.boolean is True

    # What propeller holds equals what flightdeck projected from its events.
    status = flyteworkflow(kube_cluster, handed_off, name)
    assert status is not None and status["status"]["phase"] == WORKFLOW_SUCCEEDED
    node_status = status["status"]["nodeStatus"]
    top_level = {path for path in nodes if "/" not in path}
    assert {n for n in node_status if n in top_level} == top_level
    assert all(node_status[n]["phase"] == PROPELLER_SUCCEEDED for n in top_level)
    assert not rejected_events(kube_cluster, {name, child_id.name})


def test_terminating_a_run_deletes_its_flyteworkflow_and_aborts_it(
    handed_off: Runs, kube_cluster: Any
) -> None:
    name = handed_off.launch("held", n=4)
    execution = handed_off.execution_id(name)

    def sleeping() -> bool:
        gate = nodes_of(handed_off, execution).get("n1")
        return gate is not None and gate.closure.phase == core.NodeExecution.RUNNING

    wait_for(sleeping, RUN_SECONDS, "propeller to start the hour-long sleep gate")
    assert flyteworkflow(kube_cluster, handed_off, name) is not None
    handed_off.admin.TerminateExecution(
        execution_pb2.ExecutionTerminateRequest(id=execution, cause="stopped by the test")
    )
    run = handed_off.wait_terminal(name)
    assert run.closure.phase == core.WorkflowExecution.ABORTED
    assert run.closure.abort_metadata.cause == "stopped by the test"
    # The executor deleted the object; propeller's finalizer held it until it had aborted.
    wait_for(
        lambda: flyteworkflow(kube_cluster, handed_off, name) is None,
        RUN_SECONDS,
        "the FlyteWorkflow to be deleted",
    )
    # The echo before the gate had finished; the gate was aborted; the launch-plan node after
    # it never started.
    assert projection(handed_off, execution) == [
        Projected("n0", "n0", "SUCCEEDED", False, ((0, "SUCCEEDED", "echo_number"),)),
        Projected("n1", "n1", "ABORTED", False, ()),
        Projected("start-node", "start-node", "SUCCEEDED", False, ()),
    ]
    assert not rejected_events(kube_cluster, {name})


@dataclass
class PodTourRuns:
    propeller: str
    local: str
    pods: list[Any]
    kubelet_errors: list[str]


@pytest.fixture(scope="module")
def pod_tour_runs(handed_off: Runs, run_here: Runs, kube_cluster: Any) -> PodTourRuns:
    """pod_tour(n=3) once on propeller, its pods run by the kubelet stand-in, and once on the
    local executor; both ended."""
    local = run_here.launch("pod_tour", n=3)
    with kubelet.running_pods(kube_cluster, f"{handed_off.project}-{DOMAIN}") as stand_in:
        name = handed_off.launch("pod_tour", n=3)
        handed_off.wait_terminal(name)
    run_here.wait_terminal(local)
    return PodTourRuns(name, local, stand_in.finished(), stand_in.errors)


def test_python_and_map_tasks_run_as_pods_through_the_kubelet_stand_in(
    handed_off: Runs, pod_tour_runs: PodTourRuns, kube_cluster: Any
) -> None:
    name = pod_tour_runs.propeller
    run = handed_off.get(name)
    assert run.closure.phase == core.WorkflowExecution.SUCCEEDED, run.closure.error
    assert outputs_of(handed_off.remote, name) == {"total": 14, "verdict": "14 is big"}

    # One pod per python task and per map task element, each the task's own pyflyte command.
    assert pod_tour_runs.kubelet_errors == []
    ran = sorted(pod.argv[pod.argv.index("task-name") + 1] for pod in pod_tour_runs.pods)
    assert ran == ["count_up", "describe", "square", "square", "square", "total"]
    assert all(pod.exit_code == 0 for pod in pod_tour_runs.pods)
    assert sum("pyflyte-map-execute" in pod.argv for pod in pod_tour_runs.pods) == 3

    nodes = nodes_of(handed_off, handed_off.execution_id(name))
    (count_up,) = handed_off.attempts(nodes["n0"].id)
    assert count_up.closure.metadata.plugin_identifier == "container"  # propeller's pod plugin
    (mapped,) = handed_off.attempts(nodes["n1"].id)
    assert mapped.closure.metadata.plugin_identifier == "k8s-array"
    assert sorted((r.index, r.phase) for r in mapped.closure.metadata.external_resources) == [
        (i, core.TaskExecution.SUCCEEDED) for i in range(3)
    ]
    assert not rejected_events(kube_cluster, {name})


def test_projections_equal_a_local_executor_run_of_the_same_workflow(
    handed_off: Runs, run_here: Runs, pod_tour_runs: PodTourRuns
) -> None:
    """pod_tour has python tasks, a map task, a sub-workflow and a branch. Where the two
    engines must agree, the projections are equal: node ids (propeller's scheme for nested
    nodes, ``n2-0-n0``), phases, parent flags, task attempts and their phases, task types and
    plugin ids, the map task's sub-task indexes and phases, and every node's outputs.

    Where they legitimately differ, nothing is compared: URIs (propeller's metadata in its S3
    store, the local executor's in flightdeck's), timestamps and durations, a task's reason
    (propeller's "Demistify Pending" from the pod's status, the local executor's own words),
    its log links (Kubernetes' log plugin, the local executor's process log) and the pod or
    process names (they carry the execution's name)."""
    there_id = handed_off.execution_id(pod_tour_runs.propeller)
    here_id = run_here.execution_id(pod_tour_runs.local)
    assert run_here.get(pod_tour_runs.local).closure.phase == core.WorkflowExecution.SUCCEEDED
    assert projection(handed_off, there_id) == projection(run_here, here_id)

    there, here = nodes_of(handed_off, there_id), nodes_of(run_here, here_id)
    for path, node in there.items():
        assert node_outputs(handed_off, node) == node_outputs(run_here, here[path]), path
        for a, b in zip(
            handed_off.attempts(node.id), run_here.attempts(here[path].id), strict=True
        ):
            assert attempt_shape(a) == attempt_shape(b), path


def node_outputs(runs: Runs, node: node_execution_pb2.NodeExecution) -> Any:
    return runs.admin.GetNodeExecutionData(
        node_execution_pb2.NodeExecutionGetDataRequest(id=node.id)
    ).full_outputs


def attempt_shape(attempt: task_execution_pb2.TaskExecution) -> tuple[Any, ...]:
    closure = attempt.closure
    return (
        closure.task_type,
        closure.metadata.plugin_identifier,
        closure.event_version,
        sorted((r.index, r.phase, r.retry_attempt) for r in closure.metadata.external_resources),
    )

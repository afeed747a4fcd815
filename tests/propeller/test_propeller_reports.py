"""The real flytepropeller runs a FlyteWorkflow written here by hand (one echo task) and reports
its workflow, node and task events to flightdeck through the edge, as it would to flyteadmin.

The execution is created through admin first, in a project whose cluster pool no local executor
serves, so only propeller acts on it. The hand-off mode (services/executor) builds these objects
from the compiled closure instead; this test pins what propeller does with one."""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from flyteidl.admin import (
    cluster_assignment_pb2,
    execution_pb2,
    launch_plan_pb2,
    matchable_resource_pb2,
    node_execution_pb2,
    project_domain_attributes_pb2,
    project_pb2,
    task_execution_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import (
    execution_pb2 as core_execution_pb2,
)
from flyteidl.core import (
    identifier_pb2,
    interface_pb2,
    literals_pb2,
    tasks_pb2,
    types_pb2,
)
from flyteidl.core import (
    workflow_pb2 as core_workflow_pb2,
)
from flyteidl.service import admin_pb2_grpc
from google.protobuf import json_format
from google.protobuf.message import Message

pytestmark = [pytest.mark.propeller, pytest.mark.e2e]

POOL = "flytepropeller"
"""The cluster pool of this test's project: the local executor serves only unassigned runs."""
DOMAIN = "development"
SUCCEEDED = core_execution_pb2.WorkflowExecution.SUCCEEDED
T = TypeVar("T")


def wait_for(probe: Callable[[], T | None], timeout: float, what: str) -> T:
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(0.5)


def as_json(message: Message) -> dict[str, Any]:
    """What propeller's jsonpb reads inside a FlyteWorkflow (camelCase, enums by name)."""
    return json_format.MessageToDict(message)


def _id(kind: int, project: str, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=kind, project=project, domain=DOMAIN, name=name, version="v1"
    )


STRING = types_pb2.LiteralType(simple=types_pb2.STRING)


def _interface() -> interface_pb2.TypedInterface:
    return interface_pb2.TypedInterface(
        inputs=interface_pb2.VariableMap(variables={"x": interface_pb2.Variable(type=STRING)}),
        outputs=interface_pb2.VariableMap(variables={"o0": interface_pb2.Variable(type=STRING)}),
    )


def _promise(node_id: str, var: str, bound_to: str) -> literals_pb2.Binding:
    return literals_pb2.Binding(
        var=bound_to,
        binding=literals_pb2.BindingData(
            promise=types_pb2.OutputReference(node_id=node_id, var=var)
        ),
    )


def register_echo_workflow(
    admin: admin_pb2_grpc.AdminServiceStub, project: str
) -> tuple[tasks_pb2.TaskTemplate, identifier_pb2.Identifier]:
    """A project assigned to POOL holding echo task -> workflow -> launch plan."""
    admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project))
    )
    admin.UpdateProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
            attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                project=project,
                domain=DOMAIN,
                matching_attributes=matchable_resource_pb2.MatchingAttributes(
                    cluster_assignment=cluster_assignment_pb2.ClusterAssignment(
                        cluster_pool_name=POOL
                    )
                ),
            )
        )
    )
    task_id = _id(identifier_pb2.TASK, project, "smoke.echo")
    task = tasks_pb2.TaskTemplate(
        id=task_id,
        type="echo",
        metadata=tasks_pb2.TaskMetadata(
            runtime=tasks_pb2.RuntimeMetadata(
                type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version="1.16.31", flavor="python"
            )
        ),
        interface=_interface(),
    )
    admin.CreateTask(task_pb2.TaskCreateRequest(id=task_id, spec=task_pb2.TaskSpec(template=task)))
    workflow_id = _id(identifier_pb2.WORKFLOW, project, "smoke.echo_wf")
    workflow = core_workflow_pb2.WorkflowTemplate(
        id=workflow_id,
        interface=_interface(),
        nodes=[
            core_workflow_pb2.Node(
                id="n0",
                metadata=core_workflow_pb2.NodeMetadata(name="echo"),
                inputs=[_promise("start-node", "x", "x")],
                task_node=core_workflow_pb2.TaskNode(reference_id=task_id),
            )
        ],
        outputs=[_promise("n0", "o0", "o0")],
    )
    admin.CreateWorkflow(
        workflow_pb2.WorkflowCreateRequest(
            id=workflow_id, spec=workflow_pb2.WorkflowSpec(template=workflow)
        )
    )
    launch_plan_id = _id(identifier_pb2.LAUNCH_PLAN, project, "smoke.echo_wf")
    admin.CreateLaunchPlan(
        launch_plan_pb2.LaunchPlanCreateRequest(
            id=launch_plan_id,
            spec=launch_plan_pb2.LaunchPlanSpec(
                workflow_id=workflow_id,
                default_inputs=interface_pb2.ParameterMap(
                    parameters={
                        "x": interface_pb2.Parameter(
                            var=interface_pb2.Variable(type=STRING), required=True
                        )
                    }
                ),
            ),
        )
    )
    return task, launch_plan_id


def echo_flyteworkflow(
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    task: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    bucket: str,
) -> dict[str, Any]:
    """The FlyteWorkflow of start-node -> n0 (echo) -> end-node, with propeller's field names."""
    namespace = f"{execution.project}-{execution.domain}"
    accepted = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "flyte.lyft.com/v1alpha1",
        "kind": "FlyteWorkflow",
        "metadata": {
            "name": execution.name,
            "namespace": namespace,
            "labels": {
                "execution-id": execution.name,
                "project": execution.project,
                "domain": execution.domain,
                "workflow-name": "smoke-echo-wf",
            },
        },
        "spec": {
            "id": f"{execution.project}:{execution.domain}:smoke.echo_wf",
            "nodes": {
                "start-node": {"id": "start-node", "kind": "start"},
                "n0": {
                    "id": "n0",
                    "name": "echo",
                    "kind": "task",
                    "task": "t-echo",
                    "inputBindings": [as_json(_promise("start-node", "x", "x"))],
                },
                "end-node": {
                    "id": "end-node",
                    "kind": "end",
                    "inputBindings": [as_json(_promise("n0", "o0", "o0"))],
                },
            },
            "edges": {
                "downstream": {"start-node": ["n0"], "n0": ["end-node"]},
                "upstream": {"n0": ["start-node"], "end-node": ["n0"]},
            },
            "outputs": as_json(_interface().outputs),
            "outputBindings": [as_json(_promise("n0", "o0", "o0"))],
        },
        "inputs": as_json(inputs),
        "executionId": {
            "project": execution.project,
            "domain": execution.domain,
            "name": execution.name,
        },
        "tasks": {"t-echo": as_json(task)},
        "node-defaults": {},
        "rawOutputDataConfig": {"output_location_prefix": f"s3://{bucket}/raw"},
        "executionConfig": {"MaxParallelism": 25},
        "acceptedAt": accepted,
    }


def test_propeller_runs_an_echo_workflow_and_reports_it_to_flightdeck(
    kube_cluster: Any, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    project = f"propeller-smoke-{uuid.uuid4().hex[:8]}"
    task, launch_plan_id = register_echo_workflow(admin, project)
    inputs = literals_pb2.LiteralMap(
        literals={
            "x": literals_pb2.Literal(
                scalar=literals_pb2.Scalar(
                    primitive=literals_pb2.Primitive(string_value="hello propeller")
                )
            )
        }
    )
    created = admin.CreateExecution(
        execution_pb2.ExecutionCreateRequest(
            project=project,
            domain=DOMAIN,
            spec=execution_pb2.ExecutionSpec(launch_plan=launch_plan_id),
            inputs=inputs,
        )
    )
    execution = created.id
    kube = kube_cluster.kube
    kube.apply(
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": f"{project}-{DOMAIN}"}}
    )
    workflow = echo_flyteworkflow(execution, task, inputs, kube_cluster.propeller_options.bucket)
    kube.apply(workflow)
    path = kube.path(workflow)

    def propeller_done() -> dict[str, Any] | None:
        kube_cluster.check_alive()
        status = kube.checked("GET", path).get("status", {})
        return status if status.get("phase") == 3 else None  # WorkflowPhaseSuccess

    status = wait_for(propeller_done, 120, "propeller to finish the FlyteWorkflow")
    assert status["nodeStatus"]["n0"]["phase"] == 5  # NodePhaseSucceeded
    outputs = literals_pb2.LiteralMap.FromString(kube_cluster.read_object(status["outputRef"]))
    assert outputs.literals["o0"].scalar.primitive.string_value == "hello propeller"

    get = execution_pb2.WorkflowExecutionGetRequest(id=execution)
    run = wait_for(
        lambda: (r := admin.GetExecution(get)).closure.phase == SUCCEEDED and r,
        60,
        "flightdeck to project propeller's SUCCEEDED",
    )
    assert run.closure.phase == SUCCEEDED
    print("CLOSURE", run.closure)
    nodes = admin.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(workflow_execution_id=execution, limit=100)
    ).node_executions
    by_id = {n.id.node_id: n for n in nodes}
    assert by_id["n0"].closure.phase == core_execution_pb2.NodeExecution.SUCCEEDED
    tasks = admin.ListTaskExecutions(
        task_execution_pb2.TaskExecutionListRequest(node_execution_id=by_id["n0"].id, limit=10)
    ).task_executions
    assert [t.closure.phase for t in tasks] == [core_execution_pb2.TaskExecution.SUCCEEDED]
    assert tasks[0].id.task_id.name == "smoke.echo"

    rejected = [
        line
        for line in kube_cluster.propeller_log_lines()
        if line.get("level") in ("error", "warning")
        and execution.name in str(line)
        and "AlreadyExists" not in str(line)
    ]
    assert not rejected, rejected[:5]

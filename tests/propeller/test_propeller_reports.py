"""The real flytepropeller runs a FlyteWorkflow written here by hand (one echo task) and reports
its workflow, node and task events to flightdeck through the edge, as it would to flyteadmin.

The execution is created through admin first, in a project whose cluster pool no local executor
serves, so only propeller acts on it. The hand-off mode (services/executor) builds these objects
from the compiled closure instead; this test pins what propeller does with one."""

from __future__ import annotations

import datetime
import uuid
from typing import Any, TypeVar

import pytest
import testkit
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
wait_for = testkit.wait_for
T = TypeVar("T")


def as_json(message: Message) -> dict[str, Any]:
    """What propeller's jsonpb reads inside a FlyteWorkflow (camelCase, enums by name)."""
    return json_format.MessageToDict(message)


def _id(kind: int, project: str, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=kind, project=project, domain=DOMAIN, name=name, version="v1"
    )


STRING = types_pb2.LiteralType(simple=types_pb2.STRING)
RUNTIME = tasks_pb2.RuntimeMetadata(
    type=tasks_pb2.RuntimeMetadata.FLYTE_SDK, version="1.16.31", flavor="python"
)


RESOURCES = [
    tasks_pb2.Resources.ResourceEntry(name=tasks_pb2.Resources.CPU, value="100m"),
    tasks_pb2.Resources.ResourceEntry(name=tasks_pb2.Resources.MEMORY, value="64Mi"),
]


def _strings(*names: str) -> interface_pb2.VariableMap:
    return interface_pb2.VariableMap(
        variables={name: interface_pb2.Variable(type=STRING) for name in names}
    )


def _promise(node_id: str, var: str, bound_to: str) -> literals_pb2.Binding:
    return literals_pb2.Binding(
        var=bound_to,
        binding=literals_pb2.BindingData(
            promise=types_pb2.OutputReference(node_id=node_id, var=var)
        ),
    )


def echo_task(project: str) -> tasks_pb2.TaskTemplate:
    """propeller's echo plugin: its outputs are its inputs, no pod."""
    return tasks_pb2.TaskTemplate(
        id=_id(identifier_pb2.TASK, project, "smoke.echo"),
        type="echo",
        metadata=tasks_pb2.TaskMetadata(runtime=RUNTIME),
        interface=interface_pb2.TypedInterface(inputs=_strings("x"), outputs=_strings("o0")),
    )


def container_task(project: str) -> tasks_pb2.TaskTemplate:
    """A python-task (the container plugin: one pod) with an input and no outputs."""
    return tasks_pb2.TaskTemplate(
        id=_id(identifier_pb2.TASK, project, "smoke.container"),
        type="python-task",
        metadata=tasks_pb2.TaskMetadata(runtime=RUNTIME),
        interface=interface_pb2.TypedInterface(inputs=_strings("x"), outputs=_strings()),
        container=tasks_pb2.Container(
            image="flightdeck.test/none:v1",
            args=["run", "--inputs", "{{.input}}", "--output-prefix", "{{.outputPrefix}}"],
            # flyteadmin fills these from its task resource defaults when the execution is
            # created (see node_resources).
            resources=tasks_pb2.Resources(requests=RESOURCES, limits=RESOURCES),
        ),
    )


def register_one_task_workflow(
    admin: admin_pb2_grpc.AdminServiceStub, task: tasks_pb2.TaskTemplate
) -> identifier_pb2.Identifier:
    """Registers ``task`` and start-node -> n0 (the task) -> end-node with the task's interface,
    and its launch plan, in a new project assigned to POOL; returns the launch plan's id."""
    project = task.id.project
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
    admin.CreateTask(task_pb2.TaskCreateRequest(id=task.id, spec=task_pb2.TaskSpec(template=task)))
    workflow_id = _id(identifier_pb2.WORKFLOW, project, f"{task.id.name}_wf")
    interface = task.interface
    workflow = core_workflow_pb2.WorkflowTemplate(
        id=workflow_id,
        interface=interface,
        nodes=[
            core_workflow_pb2.Node(
                id="n0",
                metadata=core_workflow_pb2.NodeMetadata(name=task.id.name),
                inputs=[_promise("start-node", v, v) for v in interface.inputs.variables],
                task_node=core_workflow_pb2.TaskNode(reference_id=task.id),
            )
        ],
        outputs=[_promise("n0", v, v) for v in interface.outputs.variables],
    )
    admin.CreateWorkflow(
        workflow_pb2.WorkflowCreateRequest(
            id=workflow_id, spec=workflow_pb2.WorkflowSpec(template=workflow)
        )
    )
    launch_plan_id = _id(identifier_pb2.LAUNCH_PLAN, project, workflow_id.name)
    parameters = {
        name: interface_pb2.Parameter(var=var, required=True)
        for name, var in interface.inputs.variables.items()
    }
    admin.CreateLaunchPlan(
        launch_plan_pb2.LaunchPlanCreateRequest(
            id=launch_plan_id,
            spec=launch_plan_pb2.LaunchPlanSpec(
                workflow_id=workflow_id,
                default_inputs=interface_pb2.ParameterMap(parameters=parameters),
            ),
        )
    )
    return launch_plan_id


def node_resources(task: tasks_pb2.TaskTemplate) -> dict[str, Any]:
    """A task node's Kubernetes resources, copied from its container as flyteadmin's workflow
    builder does: the container plugin reads them from the node (its overrides), not the task,
    and refuses a pod without them."""
    if not task.HasField("container"):
        return {}
    names = {tasks_pb2.Resources.CPU: "cpu", tasks_pb2.Resources.MEMORY: "memory"}
    resources = task.container.resources
    return {
        "resources": {
            "requests": {names[e.name]: e.value for e in resources.requests},
            "limits": {names[e.name]: e.value for e in resources.limits},
        }
    }


def one_task_flyteworkflow(
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    task: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
    bucket: str,
) -> dict[str, Any]:
    """The FlyteWorkflow of start-node -> n0 (task) -> end-node, with propeller's field names."""
    namespace = f"{execution.project}-{execution.domain}"
    accepted = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    interface = task.interface
    outputs = [as_json(_promise("n0", v, v)) for v in interface.outputs.variables]
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
                "workflow-name": "smoke-one-task-wf",
            },
        },
        "spec": {
            "id": f"{execution.project}:{execution.domain}:{task.id.name}_wf",
            "nodes": {
                "start-node": {"id": "start-node", "kind": "start"},
                "n0": {
                    "id": "n0",
                    "name": task.id.name,
                    "kind": "task",
                    "task": "t0",
                    "inputBindings": [
                        as_json(_promise("start-node", v, v)) for v in interface.inputs.variables
                    ],
                    **node_resources(task),
                },
                "end-node": {"id": "end-node", "kind": "end", "inputBindings": outputs},
            },
            "edges": {
                "downstream": {"start-node": ["n0"], "n0": ["end-node"]},
                "upstream": {"n0": ["start-node"], "end-node": ["n0"]},
            },
            "outputs": as_json(interface.outputs),
            "outputBindings": outputs,
        },
        "inputs": as_json(inputs),
        "executionId": {
            "project": execution.project,
            "domain": execution.domain,
            "name": execution.name,
        },
        "tasks": {"t0": as_json(task)},
        "node-defaults": {},
        "rawOutputDataConfig": {"output_location_prefix": f"s3://{bucket}/raw"},
        "executionConfig": {"MaxParallelism": 25},
        "acceptedAt": accepted,
    }


def hello(text: str) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(
        literals={
            "x": literals_pb2.Literal(
                scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=text))
            )
        }
    )


def hand_off(
    kube_cluster: Any,
    admin: admin_pb2_grpc.AdminServiceStub,
    task: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
) -> tuple[identifier_pb2.WorkflowExecutionIdentifier, str]:
    """Creates the execution in flightdeck and its FlyteWorkflow in the cluster, as the
    hand-off does; returns the execution id and the FlyteWorkflow's API path."""
    launch_plan_id = register_one_task_workflow(admin, task)
    created = admin.CreateExecution(
        execution_pb2.ExecutionCreateRequest(
            project=task.id.project,
            domain=DOMAIN,
            spec=execution_pb2.ExecutionSpec(launch_plan=launch_plan_id),
            inputs=inputs,
        )
    )
    execution = created.id
    # The namespace and the `default` account its pods run as (no controller-manager here).
    kube_cluster.kube.ensure_service_account(f"{execution.project}-{DOMAIN}", "default")
    workflow = one_task_flyteworkflow(
        execution, task, inputs, kube_cluster.propeller_options.bucket
    )
    kube_cluster.kube.apply(workflow)
    return execution, kube_cluster.kube.path(workflow)


def workflow_phase(kube_cluster: Any, path: str, phase: int) -> dict[str, Any] | None:
    """The FlyteWorkflow's status once it reached ``phase`` (3 = Success)."""
    kube_cluster.check_alive()
    status: dict[str, Any] = kube_cluster.kube.checked("GET", path).get("status", {})
    return status if status.get("phase") == phase else None


def rejected_events(kube_cluster: Any, execution_name: str) -> list[dict[str, Any]]:
    """Propeller logs an event flightdeck refused as a warning or error naming the event; only
    AlreadyExists (a repeated event) is harmless. Other errors are not about flightdeck: with
    inline outputs propeller logs one when a task left no outputs.pb, as the pod here does."""
    return [
        line
        for line in kube_cluster.propeller_log_lines()
        if line.get("json", {}).get("exec_id") == execution_name
        and "event" in line.get("msg", "").lower()
        and line.get("level") in ("error", "warning")
        and "AlreadyExists" not in line.get("msg", "")
    ]


def test_propeller_runs_an_echo_workflow_and_reports_it_to_flightdeck(
    kube_cluster: Any, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    task = echo_task(f"propeller-smoke-{uuid.uuid4().hex[:8]}")
    execution, path = hand_off(kube_cluster, admin, task, hello("hello propeller"))

    status = wait_for(
        lambda: workflow_phase(kube_cluster, path, 3), 120, "propeller to finish the workflow"
    )
    assert status["nodeStatus"]["n0"]["phase"] == 5  # NodePhaseSucceeded
    outputs = literals_pb2.LiteralMap.FromString(kube_cluster.read_object(status["outputRef"]))
    assert outputs.literals["o0"].scalar.primitive.string_value == "hello propeller"

    get = execution_pb2.WorkflowExecutionGetRequest(id=execution)
    wait_for(
        lambda: admin.GetExecution(get).closure.phase == SUCCEEDED,
        60,
        "flightdeck to project propeller's SUCCEEDED",
    )
    # Propeller sends outputs inline (PropellerOptions.raw_output_policy); flightdeck serves
    # what it was sent, the literals propeller also wrote to its own store.
    data = admin.GetExecutionData(execution_pb2.WorkflowExecutionGetDataRequest(id=execution))
    assert data.full_outputs == outputs
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
    assert not rejected_events(kube_cluster, execution.name)


def test_a_container_task_runs_as_a_pod_whose_status_the_test_sets(
    kube_cluster: Any, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    task = container_task(f"propeller-pod-{uuid.uuid4().hex[:8]}")
    execution, path = hand_off(kube_cluster, admin, task, hello("to the pod"))
    namespace = f"{execution.project}-{DOMAIN}"

    pod = wait_for(lambda: kube_cluster.pods(namespace), 60, "propeller to create the task's pod")[
        0
    ]
    container = pod["spec"]["containers"][0]
    assert container["image"] == "flightdeck.test/none:v1"
    assert container["args"][:2] == ["run", "--inputs"]
    assert container["args"][2].startswith(f"s3://{kube_cluster.propeller_options.bucket}/")
    env = {e["name"]: e.get("value") for e in container["env"]}
    assert env.get("FLYTE_AWS_ENDPOINT") == kube_cluster.propeller_options.s3_endpoint
    assert pod["spec"]["serviceAccountName"] == "default"

    name = pod["metadata"]["name"]
    kube_cluster.set_pod_phase(namespace, name, "Running")
    wait_for(
        lambda: any(
            t.closure.phase == core_execution_pb2.TaskExecution.RUNNING
            for t in admin.ListTaskExecutions(
                task_execution_pb2.TaskExecutionListRequest(
                    node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                        node_id="n0", execution_id=execution
                    ),
                    limit=10,
                )
            ).task_executions
        ),
        60,
        "flightdeck to show the task RUNNING",
    )
    kube_cluster.set_pod_phase(namespace, name, "Succeeded")
    wait_for(lambda: workflow_phase(kube_cluster, path, 3), 120, "propeller to finish")
    get = execution_pb2.WorkflowExecutionGetRequest(id=execution)
    wait_for(
        lambda: admin.GetExecution(get).closure.phase == SUCCEEDED,
        60,
        "flightdeck to project propeller's SUCCEEDED",
    )
    assert not rejected_events(kube_cluster, execution.name)

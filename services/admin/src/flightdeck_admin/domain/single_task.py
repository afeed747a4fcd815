"""Launching a task directly (admin.md §3.2): the skeleton workflow and launch plan, both named
``.flytegen.<task name>`` at the task's version, that make a task launchable like a workflow."""

from __future__ import annotations

import re

from flyteidl.admin import execution_pb2, launch_plan_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as core

PREFIX = ".flytegen."
NODE_ID_MAX = 63
DEFAULT_RETRIES = 3
START_NODE = "start-node"
_NOT_NODE_ID = re.compile(r"[^A-Za-z0-9-]")


def generated_id(
    task_id: identifier_pb2.Identifier, resource_type: int
) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=resource_type,  # type: ignore[arg-type]
        project=task_id.project,
        domain=task_id.domain,
        name=PREFIX + task_id.name,
        version=task_id.version,
    )


def node_id(task_name: str) -> str:
    """The last 63 characters of the task name, keeping only letters, digits and '-'."""
    return _NOT_NODE_ID.sub("", task_name[-NODE_ID_MAX:])


def workflow_request(task: tasks_pb2.TaskTemplate) -> workflow_pb2.WorkflowCreateRequest:
    """One node running the task: inputs bound to the workflow's, outputs bound from the node."""
    workflow_id = generated_id(task.id, identifier_pb2.WORKFLOW)
    node = core.Node(id=node_id(task.id.name))
    node.task_node.reference_id.CopyFrom(task.id)
    retries = task.metadata.retries.retries if task.metadata.HasField("retries") else None
    node.metadata.name = node.id
    node.metadata.retries.retries = DEFAULT_RETRIES if retries is None else retries
    interface = task.interface
    for name in interface.inputs.variables:
        node.inputs.add(var=name).binding.promise.CopyFrom(_output_reference(START_NODE, name))
    template = core.WorkflowTemplate(id=workflow_id, interface=interface, nodes=[node])
    for name in interface.outputs.variables:
        template.outputs.add(var=name).binding.promise.CopyFrom(_output_reference(node.id, name))
    request = workflow_pb2.WorkflowCreateRequest(id=workflow_id)
    request.spec.template.CopyFrom(template)
    return request


def _output_reference(node: str, var: str) -> types_pb2.OutputReference:
    return types_pb2.OutputReference(node_id=node, var=var)


def launch_plan(
    task: tasks_pb2.TaskTemplate, request: execution_pb2.ExecutionCreateRequest
) -> launch_plan_pb2.LaunchPlan:
    """Inactive; every task input required. Quirk kept from the reference: ``workflow_id.name``
    is the bare task name although the plan runs the ``.flytegen.`` workflow."""
    launch_plan_id = generated_id(task.id, identifier_pb2.LAUNCH_PLAN)
    plan = launch_plan_pb2.LaunchPlan(id=launch_plan_id)
    plan.spec.workflow_id.CopyFrom(task.id)
    plan.spec.workflow_id.resource_type = identifier_pb2.WORKFLOW
    parameters = interface_pb2.ParameterMap()
    for name, variable in task.interface.inputs.variables.items():
        parameters.parameters[name].CopyFrom(interface_pb2.Parameter(var=variable, required=True))
    plan.spec.default_inputs.CopyFrom(parameters)
    plan.spec.fixed_inputs.CopyFrom(literals_pb2.LiteralMap())
    if request.spec.HasField("auth_role"):
        plan.spec.auth_role.CopyFrom(request.spec.auth_role)
    if request.spec.HasField("security_context"):
        plan.spec.security_context.CopyFrom(request.spec.security_context)
    plan.closure.expected_inputs.CopyFrom(parameters)
    plan.closure.expected_outputs.CopyFrom(task.interface.outputs)
    plan.closure.state = launch_plan_pb2.INACTIVE
    return plan

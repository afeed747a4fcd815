"""Dynamic task nodes: the futures file a dynamic task wrote is compiled into a workflow, run as
the node's children in the dynamic chain, and its outputs become the node's
(spec/executor.md §3.7)."""

from __future__ import annotations

import secrets

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import (
    compiler_pb2,
    dynamic_job_pb2,
    execution_pb2,
    identifier_pb2,
    interface_pb2,
    tasks_pb2,
    workflow_pb2,
)
from flyteidl.event import event_pb2

from flightdeck_compiler import WorkflowCompileFailed, compile_workflow, index_tasks
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import nodes, reporting, scopes, subworkflow_nodes
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import END_NODE, Scope
from flightdeck_storage import join_key

FLAGS = {"is_dynamic": True, "is_parent": True}


def _parent_dir(node: NodeState) -> str:
    return join_key(node.data_dir, str(node.attempts.attempt))


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    if node.dynamic == "pending":
        await _compile(rnd, scope, node_id, node)
        return
    closure = await _closure(rnd, node)
    child = _child(rnd, scope, node_id, node, closure)
    result = await nodes.step_scope(rnd, child)
    if not result.done:
        return
    uid = scope.uid(node_id)
    if result.error is not None:
        reporting.node_phase(rnd, uid, node, "FAILED", error=result.error, is_dynamic=True)
        return
    await subworkflow_nodes.finish_with_outputs(
        rnd,
        uid,
        node,
        join_key(child.data_dir(END_NODE), "0", "outputs.pb"),
        is_dynamic=True,
    )


async def _compile(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid, parent = scope.uid(node_id), _parent_dir(node)
    futures = dynamic_job_pb2.DynamicJobSpec()
    futures.ParseFromString(await rnd.engine.blobs.read(join_key(parent, "futures.pb")))
    template = rnd.tasks[task_key(scope.nodes[node_id].task_node.reference_id)]
    try:
        closure = build(rnd.execution_id, node_id, futures, template, rnd.tasks.values())
    except WorkflowCompileFailed as failure:
        error = execution_pb2.ExecutionError(
            code="DynamicWorkflowBuildFailed",
            message=str(failure),
            kind=execution_pb2.ExecutionError.USER,
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error, is_dynamic=True)
        return
    await rnd.engine.blobs.write(
        join_key(parent, "dynamic_compiled.pb"), closure.SerializeToString()
    )
    node.dynamic = "running"
    metadata = event_pb2.DynamicWorkflowNodeMetadata(
        id=closure.primary.template.id,
        compiled_workflow=closure,
        dynamic_job_spec_uri=rnd.url(join_key(parent, "futures.pb")),
    )
    reporting.node_phase(rnd, uid, node, "DYNAMIC_RUNNING", dynamic_workflow=metadata, **FLAGS)
    child = _child(rnd, scope, node_id, node, closure)
    inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
    await nodes.begin_scope(rnd, child, inputs)


def build(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    node_id: str,
    futures: dynamic_job_pb2.DynamicJobSpec,
    parent_task: tasks_pb2.TaskTemplate,
    known_tasks: object,
) -> compiler_pb2.CompiledWorkflowClosure:
    """The workflow propeller builds from a futures file: the parent's outputs as its
    interface, the inline tasks carrying the parent container's config."""
    workflow_id = identifier_pb2.Identifier(
        resource_type=identifier_pb2.WORKFLOW,
        project=execution_id.project,
        domain=execution_id.domain,
        name=f"dynamic_{node_id}",
        version=secrets.token_hex(5),
    )
    template = workflow_pb2.WorkflowTemplate(
        id=workflow_id,
        interface=interface_pb2.TypedInterface(outputs=parent_task.interface.outputs),
        nodes=futures.nodes,
        outputs=futures.outputs,
    )
    inline = []
    for task in futures.tasks:
        copy = tasks_pb2.TaskTemplate()
        copy.CopyFrom(task)
        for key, value in parent_task.config.items():
            copy.config.setdefault(key, value)
        inline.append(copy)
    spec = admin_workflow_pb2.WorkflowSpec(template=template, sub_workflows=futures.subworkflows)
    tasks = index_tasks([*known_tasks, *inline])  # type: ignore[misc]
    return compile_workflow(spec, tasks, {})


async def _closure(rnd: Round, node: NodeState) -> compiler_pb2.CompiledWorkflowClosure:
    closure = compiler_pb2.CompiledWorkflowClosure()
    closure.ParseFromString(
        await rnd.engine.blobs.read(join_key(_parent_dir(node), "dynamic_compiled.pb"))
    )
    return closure


def _child(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    closure: compiler_pb2.CompiledWorkflowClosure,
) -> Scope:
    for task in closure.tasks:
        rnd.tasks.setdefault(task_key(task.template.id), task.template)
    for workflow in closure.sub_workflows:
        rnd.sub_workflows.setdefault(task_key(workflow.template.id), workflow)
    return scopes.of_workflow(
        closure.primary,
        _parent_dir(node),
        parent=scope,
        parent_uid=scope.uid(node_id),
        parent_attempt=node.attempts.attempt,
        in_dynamic=True,
    )

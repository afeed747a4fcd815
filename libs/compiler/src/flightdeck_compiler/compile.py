"""``compile_workflow``: CreateWorkflow's compile step (§1, §2 CompileWorkflow).

Pure: admin loads the referenced tasks and launch plans (see ``required_references``) and passes
them in. The caller's messages are never modified; the closure is built from a copy.
"""

from __future__ import annotations

from collections.abc import Mapping

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import compiler_pb2, tasks_pb2

from flightdeck_compiler import messages
from flightdeck_compiler.errors import ErrorSet
from flightdeck_compiler.failures import WorkflowCompileFailed
from flightdeck_compiler.graph import START_NODE, Compilation
from flightdeck_compiler.references import (
    IdentifierKey,
    LaunchPlanInterface,
    identifier_key,
    requirement_order,
    sub_workflow_index,
)
from flightdeck_compiler.requirements import collect_requirements
from flightdeck_compiler.workflows import compile_sub_workflow, validate_workflow
from flightdeck_typecheck import compact_text

TaskTemplates = Mapping[IdentifierKey, tasks_pb2.TaskTemplate]
LaunchPlans = Mapping[IdentifierKey, LaunchPlanInterface]


def compile_workflow(
    spec: admin_workflow_pb2.WorkflowSpec, tasks: TaskTemplates, launch_plans: LaunchPlans
) -> compiler_pb2.CompiledWorkflowClosure:
    """Compile ``spec`` (its ``template.id`` already set to the request id).

    ``tasks`` and ``launch_plans`` are keyed by ``identifier_key`` of the id nodes use.
    Raises ``WorkflowCompileFailed`` listing every error found.
    """
    copy = admin_workflow_pb2.WorkflowSpec()
    copy.CopyFrom(spec)
    workflow_id = copy.template.id
    errors = ErrorSet()
    if not copy.HasField("template"):
        errors.add(messages.value_required("root", "wf"))
    compilation = _prepare(copy, tasks, launch_plans, errors)
    primary = validate_workflow(compilation, copy.template) if compilation else None
    if errors or compilation is None or primary is None:
        raise WorkflowCompileFailed(workflow_id, errors.sorted())
    return _closure(copy, primary, compilation)


def _prepare(
    spec: admin_workflow_pb2.WorkflowSpec,
    tasks: TaskTemplates,
    launch_plans: LaunchPlans,
    errors: ErrorSet,
) -> Compilation | None:
    """Index sub-workflows and check requirements; None when compilation must stop here."""
    if errors:
        return None
    index, duplicates = sub_workflow_index(spec.sub_workflows)
    errors.extend(messages.duplicate_id(compact_text(d)) for d in duplicates)
    if errors:
        return None
    if any(not template.HasField("id") for template in tasks.values()):
        errors.add(messages.value_required("task", "Template.Id"))
        return None
    references = collect_requirements(spec.template, index, errors)
    for identifier in references.launch_plans:
        if identifier_key(identifier) not in launch_plans:
            errors.add(messages.workflow_reference_not_found(START_NODE, compact_text(identifier)))
    for identifier in references.tasks:
        if identifier_key(identifier) not in tasks:
            errors.add(messages.task_reference_not_found(START_NODE, compact_text(identifier)))
    if errors:
        return None
    return Compilation(tasks, launch_plans, index, errors, compile_sub_workflow)


def _closure(
    spec: admin_workflow_pb2.WorkflowSpec,
    primary: compiler_pb2.ConnectionSet,
    compilation: Compilation,
) -> compiler_pb2.CompiledWorkflowClosure:
    closure = compiler_pb2.CompiledWorkflowClosure()
    closure.primary.template.CopyFrom(spec.template)
    closure.primary.connections.CopyFrom(primary)
    for template in spec.sub_workflows:
        # Every sub-workflow is returned; one that nothing references stays as sent.
        compiled = closure.sub_workflows.add(template=template)
        connections = compilation.compiled.get(identifier_key(template.id))
        if connections is not None:
            compiled.connections.CopyFrom(connections)
    for task in sorted(compilation.tasks.values(), key=lambda t: requirement_order(t.id)):
        closure.tasks.add(template=task)
    return closure

"""The tasks and launch plans a workflow needs (§1.1 step 3, §2 step 3) and each workflow's own
scope: the ones it references directly, branch and array sub-nodes included (§2 step 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import identifier_pb2, workflow_pb2

from flightdeck_compiler import messages
from flightdeck_compiler.errors import ErrorSet
from flightdeck_compiler.failures import WorkflowCompileFailed
from flightdeck_compiler.references import (
    IdentifierKey,
    References,
    identifier_key,
    sorted_unique,
    sub_workflow_index,
    top_nodes,
    walk_nodes,
)
from flightdeck_typecheck import compact_text

SubWorkflows = Mapping[IdentifierKey, workflow_pb2.WorkflowTemplate]


@dataclass
class _Found:
    tasks: list[identifier_pb2.Identifier] = field(default_factory=list)
    launch_plans: list[identifier_pb2.Identifier] = field(default_factory=list)
    # (referencing node id, sub-workflow id)
    sub_workflows: list[tuple[str, identifier_pb2.Identifier]] = field(default_factory=list)


def required_references(spec: admin_workflow_pb2.WorkflowSpec) -> References:
    """What admin must load before compiling ``spec``; raises ``WorkflowCompileFailed``.

    ``spec.template.id`` must already be the request id (admin sets it), since it names the
    workflow in the error message.
    """
    errors = ErrorSet()
    index, duplicates = sub_workflow_index(spec.sub_workflows)
    errors.extend(messages.duplicate_id(compact_text(d)) for d in duplicates)
    if not errors:
        references = collect_requirements(spec.template, index, errors)
    if errors:
        raise WorkflowCompileFailed(spec.template.id, errors.sorted(), in_requirements=True)
    return references


def collect_requirements(
    template: workflow_pb2.WorkflowTemplate, sub_workflows: SubWorkflows, errors: ErrorSet
) -> References:
    """Everything ``template`` needs, following sub-workflow references at any depth."""
    found = _Found()
    pending, seen = [template], {identifier_key(template.id)}
    while pending:
        current = pending.pop(0)
        before = len(found.sub_workflows)
        _collect(current, found)
        for node_id, ref in found.sub_workflows[before:]:
            key = identifier_key(ref)
            if key not in sub_workflows:
                errors.add(messages.workflow_reference_not_found(node_id, compact_text(ref)))
            elif key not in seen:
                seen.add(key)
                pending.append(sub_workflows[key])
    return References(sorted_unique(found.tasks), sorted_unique(found.launch_plans))


def direct_scope(
    template: workflow_pb2.WorkflowTemplate,
) -> tuple[set[IdentifierKey], set[IdentifierKey]]:
    """The task and launch plan keys ``template`` itself references."""
    found = _Found()
    _collect(template, found)
    return {identifier_key(t) for t in found.tasks}, {identifier_key(p) for p in found.launch_plans}


def _collect(template: workflow_pb2.WorkflowTemplate, found: _Found) -> None:
    for node in walk_nodes(top_nodes(template)):
        kind = node.WhichOneof("target")
        if kind == "task_node" and node.task_node.HasField("reference_id"):
            found.tasks.append(node.task_node.reference_id)
        elif kind == "workflow_node":
            reference = node.workflow_node.WhichOneof("reference")
            if reference == "launchplan_ref":
                found.launch_plans.append(node.workflow_node.launchplan_ref)
            elif reference == "sub_workflow_ref":
                found.sub_workflows.append((node.id, node.workflow_node.sub_workflow_ref))

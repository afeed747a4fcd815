"""The static part of a FlyteWorkflow object: the workflow spec (nodes, edges, outputs), the
tasks and the sub-workflows, as flytepropeller's ``transformers/k8s`` builds them from a
compiled closure (flyte v1.16.8) and its ``v1alpha1`` types write them as JSON.

Tasks and sub-workflows are keyed by the Go proto text of their identifier (``String()`` in
Go), and nodes name them by the same text, so a lookup in propeller only needs the two to
agree. Branch nodes' children are flattened into the workflow's node map, as propeller walks
them by id.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from flyteidl.core import (
    compiler_pb2,
    condition_pb2,
    identifier_pb2,
    interface_pb2,
    tasks_pb2,
    types_pb2,
    workflow_pb2,
)

from flightdeck_compiler import quantities
from flightdeck_executor.domain.goformat import go_duration
from flightdeck_executor.domain.gojson import go_struct, jsonpb
from flightdeck_typecheck import compact_text

START_NODE = "start-node"
END_NODE = "end-node"
CACHE_KEY_ANNOTATION = "cache-key-metadata"
"""A type annotation that takes part in cache keys, so propeller keeps it; others go."""

# flytek8s.ToK8sResourceList: the core resource names propeller turns into pod resources.
_RESOURCE_NAMES = {
    tasks_pb2.Resources.CPU: "cpu",
    tasks_pb2.Resources.MEMORY: "memory",
    tasks_pb2.Resources.GPU: "nvidia.com/gpu",
    tasks_pb2.Resources.EPHEMERAL_STORAGE: "ephemeral-storage",
}

JsonObject = dict[str, Any]


class FlyteWorkflowBuildError(ValueError):
    """The closure cannot become a FlyteWorkflow (flyteadmin fails the execution for this)."""


def identifier_text(identifier: identifier_pb2.Identifier) -> str:
    """Go's ``Identifier.String()``: the key of a task or sub-workflow in the object."""
    return compact_text(identifier)


def workflow_id_text(identifier: identifier_pb2.Identifier) -> str:
    """``WorkflowIDAsString``: ``project:domain:name``."""
    return f"{identifier.project}:{identifier.domain}:{identifier.name}"


def task_specs(closure: compiler_pb2.CompiledWorkflowClosure) -> dict[str, JsonObject]:
    specs: dict[str, JsonObject] = {}
    for compiled in closure.tasks:
        key = identifier_text(compiled.template.id)
        if key in specs:
            raise FlyteWorkflowBuildError(f"task {key} appears twice in the closure")
        template = tasks_pb2.TaskTemplate()
        template.CopyFrom(compiled.template)
        _strip_interface(template.interface)
        specs[key] = jsonpb(template)
    return specs


def sub_workflow_specs(
    closure: compiler_pb2.CompiledWorkflowClosure, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> dict[str, JsonObject]:
    return {
        identifier_text(sub.template.id): workflow_spec(sub, tasks) for sub in closure.sub_workflows
    }


def task_index(
    closure: compiler_pb2.CompiledWorkflowClosure,
) -> dict[str, tasks_pb2.TaskTemplate]:
    return {identifier_text(t.template.id): t.template for t in closure.tasks}


def workflow_spec(
    compiled: compiler_pb2.CompiledWorkflow, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> JsonObject:
    template = workflow_pb2.WorkflowTemplate()
    template.CopyFrom(compiled.template)
    _strip_interface(template.interface)
    downstream = {key: list(ids.ids) for key, ids in compiled.connections.downstream.items()}
    upstream = {key: list(ids.ids) for key, ids in compiled.connections.upstream.items()}
    spec: JsonObject = {
        "id": workflow_id_text(template.id),
        "nodes": _nodes(template.nodes, tasks),
        # The deprecated field still written by flyteadmin: downstream edges only.
        "connections": downstream,
        "edges": {"downstream": downstream, "upstream": upstream},
    }
    if template.HasField("failure_node"):
        spec["onFailure"] = node_specs(template.failure_node, tasks)[0]
    spec["outputs"] = jsonpb(template.interface.outputs)
    if template.outputs:
        spec["outputBindings"] = [jsonpb(binding) for binding in template.outputs]
    policy = template.metadata.on_failure
    if policy != workflow_pb2.WorkflowMetadata.FAIL_IMMEDIATELY:  # the zero value is left out
        spec["onFailurePolicy"] = workflow_pb2.WorkflowMetadata.OnFailurePolicy.Name(policy)
    return spec


def _nodes(
    nodes: Sequence[workflow_pb2.Node], tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> dict[str, JsonObject]:
    built: dict[str, JsonObject] = {}
    for node in nodes:
        for spec in node_specs(node, tasks):
            existing = built.get(spec["id"])
            if existing is not None and existing != spec:
                raise FlyteWorkflowBuildError(f"two different nodes have the id {spec['id']}")
            built[spec["id"]] = spec
    return built


def node_specs(
    node: workflow_pb2.Node, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> list[JsonObject]:
    """The node's spec first, then the nodes it declares inline (a branch's cases)."""
    target = node.WhichOneof("target")
    if target is None and node.id not in (START_NODE, END_NODE):
        raise FlyteWorkflowBuildError(f"node {node.id} has no target")
    task = _task_of(node, tasks) if target == "task_node" else None
    overrides = node.task_node.overrides if node.task_node.HasField("overrides") else None
    spec: JsonObject = {"id": node.id}
    if node.metadata.name:
        spec["name"] = node.metadata.name
    resources = overrides.resources if overrides and overrides.HasField("resources") else None
    spec["resources"] = _resources(resources)
    kind, fields, children = _target(node, target, tasks)
    spec["kind"] = kind
    spec.update(fields)
    spec.update(_common(node, task, overrides))
    return [spec, *children]


def _task_of(
    node: workflow_pb2.Node, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> tasks_pb2.TaskTemplate:
    key = identifier_text(node.task_node.reference_id)
    if key not in tasks:
        raise FlyteWorkflowBuildError(f"node {node.id} refers to task [{key}], not in the closure")
    return tasks[key]


def _target(
    node: workflow_pb2.Node, target: str | None, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> tuple[str, JsonObject, list[JsonObject]]:
    """The node kind, its kind-specific fields and the inline nodes it brings along."""
    if target == "task_node":
        return "task", {"task": identifier_text(node.task_node.reference_id)}, []
    if target == "workflow_node":
        return "workflow", {"workflow": _workflow_node(node)}, []
    if target == "branch_node":
        branch, children = _branch(node.branch_node.if_else, tasks)
        return "branch", {"branch": branch}, children
    if target == "gate_node":
        return "gate", _gate(node.gate_node), []
    if target == "array_node":
        return "array", {"array": _array(node.array_node, tasks)}, []
    return ("start" if node.id == START_NODE else "end"), {}, []


def _workflow_node(node: workflow_pb2.Node) -> JsonObject:
    reference = node.workflow_node.WhichOneof("reference")
    if reference == "launchplan_ref":
        return {"launchPlanRefId": jsonpb(node.workflow_node.launchplan_ref)}
    if reference == "sub_workflow_ref":
        return {"subWorkflowRef": identifier_text(node.workflow_node.sub_workflow_ref)}
    raise FlyteWorkflowBuildError(f"workflow node {node.id} names no workflow")


def _branch(
    if_else: workflow_pb2.IfElseBlock, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> tuple[JsonObject, list[JsonObject]]:
    first, children = _if_block(if_else.case, tasks)
    branch: JsonObject = {"if": first}
    others = []
    for block in if_else.other:
        built, nodes = _if_block(block, tasks)
        others.append(built)
        children.extend(nodes)
    if others:
        branch["elseIf"] = others
    default = if_else.WhichOneof("default")
    if default == "else_node":
        children.extend(node_specs(if_else.else_node, tasks))
        branch["else"] = if_else.else_node.id
    elif default == "error":
        branch["elseFail"] = go_struct(if_else.error)
    return branch, children


def _if_block(
    block: workflow_pb2.IfBlock, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> tuple[JsonObject, list[JsonObject]]:
    condition: condition_pb2.BooleanExpression = block.condition
    built = {"condition": jsonpb(condition), "then": block.then_node.id}
    return built, node_specs(block.then_node, tasks)


def _gate(gate: workflow_pb2.GateNode) -> JsonObject:
    condition = gate.WhichOneof("condition")
    if condition is None:
        return {}
    # The oneof names are propeller's condition kinds: approve, signal, sleep.
    return {"gate": {"kind": condition, condition: jsonpb(getattr(gate, condition))}}


def _array(
    array: workflow_pb2.ArrayNode, tasks: Mapping[str, tasks_pb2.TaskTemplate]
) -> JsonObject:
    # ArrayNodeSpec has no JSON tags: Go writes its field names and nil pointers as null.
    criteria = array.WhichOneof("success_criteria")
    parallel = array.WhichOneof("parallelism_option") == "parallelism"
    return {
        "SubNodeSpec": node_specs(array.node, tasks)[0],
        "Parallelism": array.parallelism if parallel else None,
        "MinSuccesses": array.min_successes if criteria == "min_successes" else None,
        "MinSuccessRatio": (
            _float32(array.min_success_ratio) if criteria == "min_success_ratio" else None
        ),
        "BoundInputs": list(array.bound_inputs) or None,
    }


def _common(
    node: workflow_pb2.Node,
    task: tasks_pb2.TaskTemplate | None,
    overrides: workflow_pb2.TaskNodeOverrides | None,
) -> JsonObject:
    """Fields every node kind has, in the order of propeller's NodeSpec."""
    fields: JsonObject = {}
    if node.inputs:
        fields["inputBindings"] = [jsonpb(binding) for binding in node.inputs]
    attempts = _min_attempts(node, task)
    if attempts is not None:
        fields["retry"] = {"minAttempts": attempts}
    if node.output_aliases:
        fields["outputAlias"] = [go_struct(alias) for alias in node.output_aliases]
    if overrides is not None and overrides.HasField("extended_resources"):
        fields["extendedResources"] = jsonpb(overrides.extended_resources)
    if node.metadata.HasField("timeout"):
        timeout: timedelta = node.metadata.timeout.ToTimedelta()
        fields["executionDeadline"] = go_duration(timeout)
        # propeller's own TODO: the active deadline is twice the execution deadline.
        fields["activeDeadline"] = go_duration(2 * timeout)
    if node.metadata.WhichOneof("interruptible_value") == "interruptible":
        fields["interruptible"] = node.metadata.interruptible
    if overrides is not None and overrides.container_image:
        fields["containerImage"] = overrides.container_image
    # A node-level pod_template override is not carried: flyteadmin would write its pod spec
    # (a protobuf Struct) as a Go struct, a shape propeller's decoder does not read back.
    return fields


def _min_attempts(node: workflow_pb2.Node, task: tasks_pb2.TaskTemplate | None) -> int | None:
    """computeRetryStrategy: the node's retries, else the task's; zero retries set none."""
    if node.metadata.HasField("retries") and node.metadata.retries.retries:
        return node.metadata.retries.retries + 1
    if task is not None and task.metadata.HasField("retries") and task.metadata.retries.retries:
        return task.metadata.retries.retries + 1
    return None


def _resources(resources: tasks_pb2.Resources | None) -> JsonObject:
    """ToK8sResourceRequirements: always present, zero quantities and other names dropped."""
    built: JsonObject = {}
    if resources is None:
        return built
    for side, entries in (("limits", resources.limits), ("requests", resources.requests)):
        values = {
            _RESOURCE_NAMES[entry.name]: entry.value
            for entry in entries
            if entry.name in _RESOURCE_NAMES and _nonzero_quantity(entry.value, side)
        }
        if values:
            built[side] = values
    return built


def _nonzero_quantity(value: str, side: str) -> bool:
    try:
        return quantities.parse(value) != 0
    except quantities.QuantityError as error:
        raise FlyteWorkflowBuildError(f"resource {side} value {value!r}: {error}") from error


def _float32(value: float) -> float:
    """The shortest decimal that is the same float32, as Go writes a float32."""
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        if struct.unpack("f", struct.pack("f", candidate))[0] == single:
            return candidate
    return value


def _strip_interface(interface: interface_pb2.TypedInterface) -> None:
    """StripInterfaceTypeMetadata, in place on the caller's copy: type metadata, descriptions
    and annotations other than cache-key ones are not the engine's business."""
    for variables in (interface.inputs.variables, interface.outputs.variables):
        for variable in variables.values():
            variable.description = ""
            if variable.HasField("type"):
                _strip_type(variable.type)


def _strip_type(literal_type: types_pb2.LiteralType) -> None:
    literal_type.ClearField("metadata")
    annotation = literal_type.annotation.annotations.fields
    if literal_type.HasField("annotation") and CACHE_KEY_ANNOTATION not in annotation:
        literal_type.ClearField("annotation")
    for dataclass_type in literal_type.structure.dataclass_type.values():
        _strip_type(dataclass_type)
    kind = literal_type.WhichOneof("type")
    if kind == "union_type":
        for variant in literal_type.union_type.variants:
            _strip_type(variant)
    elif kind in ("map_value_type", "collection_type"):
        _strip_type(getattr(literal_type, kind))
    elif kind == "structured_dataset_type":
        for column in literal_type.structured_dataset_type.columns:
            _strip_type(column.literal_type)


def sanitize_label_value(name: str) -> str:
    """propeller's SanitizeLabelValue: lower case, runs outside ``[-a-z0-9]`` become ``-``,
    at most 63 characters, no ``-`` at either end."""
    return re.sub("[^-a-z0-9]+", "-", name.lower())[:63].strip("-")

"""The interface each node exposes, computed once per node and cached (§3.1-3.3, §3.6-3.8).

A node whose interface cannot be computed gets none: its bindings are not checked and it adds
no edges, so one missing task is reported once rather than at every consumer.
"""

from __future__ import annotations

from flyteidl.core import interface_pb2, workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface

from flightdeck_compiler import arrays, branches, gates, messages
from flightdeck_compiler.graph import WorkflowGraph
from flightdeck_compiler.references import identifier_key
from flightdeck_typecheck import compact_text


def node_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    if graph.has_interface_entry(node):
        return graph.interface(node)
    graph.remember(node, None)  # a node reading its own outputs meanwhile finds none
    interface = _compute(graph, node)
    if interface is not None:
        interface = checked_interface(graph, node.id, interface)
    if interface is not None and node.output_aliases:
        interface = _with_aliases(graph, node, interface)
    graph.remember(node, interface)
    return interface


def _compute(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    kind = node.WhichOneof("target")
    if kind == "task_node":
        return _task_interface(graph, node)
    if kind == "workflow_node":
        return _workflow_interface(graph, node)
    if kind == "branch_node":
        return branches.branch_interface(graph, node, node_interface)
    if kind == "gate_node":
        return gates.gate_interface(graph, node)
    if kind == "array_node":
        return arrays.array_interface(graph, node, node_interface)
    graph.errors.add(messages.value_required(node.id, "Target"))
    return None


def checked_interface(
    graph: WorkflowGraph, node_id: str, interface: TypedInterface
) -> TypedInterface | None:
    """A normalised copy (both maps present), or None when a variable lacks a name or type."""
    result = TypedInterface()
    result.CopyFrom(interface)
    result.inputs.SetInParent()
    result.outputs.SetInParent()
    valid = True
    for variables in (result.inputs.variables, result.outputs.variables):
        for name in sorted(variables):
            if not name:
                graph.errors.add(messages.value_required(node_id, "paramName"))
                valid = False
            if not variables[name].HasField("type"):
                graph.errors.add(messages.value_required(node_id, "param.Type"))
                valid = False
    return result if valid else None


def _with_aliases(
    graph: WorkflowGraph, node: workflow_pb2.Node, interface: TypedInterface
) -> TypedInterface:
    outputs = interface.outputs.variables
    renamed: dict[str, interface_pb2.Variable] = {}
    for alias in node.output_aliases:
        if alias.var in renamed:
            graph.errors.add(messages.duplicate_alias(node.id, alias.alias))
        elif alias.var not in outputs:
            graph.errors.add(messages.parameter_not_bound(node.id, alias.alias))
        else:
            renamed[alias.var] = outputs[alias.var]
    effective = TypedInterface(inputs=interface.inputs, outputs=interface_pb2.VariableMap())
    aliases = {alias.var: alias.alias for alias in node.output_aliases if alias.var in renamed}
    for name in sorted(outputs):
        effective.outputs.variables[aliases.get(name, name)].CopyFrom(outputs[name])
    return effective


def _task_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    if not node.task_node.HasField("reference_id"):
        graph.errors.add(messages.value_required(node.id, "TaskNode.ReferenceId"))
        return None
    reference = node.task_node.reference_id
    key = identifier_key(reference)
    task = graph.compilation.tasks.get(key) if key in graph.task_scope else None
    if task is None:
        graph.errors.add(messages.task_reference_not_found(node.id, compact_text(reference)))
        return None
    return task.interface


def _workflow_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    workflow_node = node.workflow_node
    reference = workflow_node.WhichOneof("reference")
    if reference == "launchplan_ref":
        return _launch_plan_interface(graph, node)
    if reference == "sub_workflow_ref":
        return _sub_workflow_interface(graph, node)
    graph.errors.add(messages.workflow_reference_not_found(node.id, "<nil>/<nil>"))
    return None


def _launch_plan_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    reference = node.workflow_node.launchplan_ref
    key = identifier_key(reference)
    launch_plan = graph.compilation.launch_plans.get(key)
    if launch_plan is None or key not in graph.launch_plan_scope:
        graph.errors.add(messages.workflow_reference_not_found(node.id, compact_text(reference)))
        return None
    if launch_plan.expected_inputs is None:
        graph.errors.add(messages.value_required(node.id, "WorkflowNode.ExpectedInputs"))
    if launch_plan.expected_outputs is None:
        graph.errors.add(messages.value_required(node.id, "WorkflowNode.ExpectedOutputs"))
    if launch_plan.expected_inputs is None or launch_plan.expected_outputs is None:
        return None
    # Defaulted inputs the node leaves unbound are dropped; fixed inputs are not there at all,
    # so binding one is an unknown variable.
    bound = {binding.var for binding in node.inputs}
    inputs = interface_pb2.VariableMap()
    for name, parameter in launch_plan.expected_inputs.parameters.items():
        if parameter.required or name in bound:
            inputs.variables[name].CopyFrom(parameter.var)
    return TypedInterface(inputs=inputs, outputs=launch_plan.expected_outputs)


def _sub_workflow_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    reference = node.workflow_node.sub_workflow_ref
    template = graph.compilation.sub_workflows.get(identifier_key(reference))
    if template is None:
        graph.errors.add(messages.workflow_reference_not_found(node.id, compact_text(reference)))
        return None
    if not template.HasField("interface"):
        graph.errors.add(messages.value_required(node.id, "WorkflowNode.Template.Interface"))
        return None
    return template.interface

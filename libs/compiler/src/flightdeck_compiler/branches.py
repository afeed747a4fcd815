"""Branch nodes (§3.4).

Then-nodes are renamed ``<branch id>-<then id>`` (flytekit numbers them n0, n1... inside every
branch, so they would collide with top-level ids), are never registered, and only gain
``upstream`` entries: propeller starts the chosen one through the branch node.
"""

from __future__ import annotations

from collections.abc import Callable

from flyteidl.core import interface_pb2, workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface

from flightdeck_compiler import messages
from flightdeck_compiler.bindings import infer_inputs
from flightdeck_compiler.conditions import check_condition
from flightdeck_compiler.connections import Mode, add_edges
from flightdeck_compiler.graph import WorkflowGraph
from flightdeck_compiler.references import sub_nodes
from flightdeck_typecheck import compact_text

InterfaceOf = Callable[[WorkflowGraph, workflow_pb2.Node], TypedInterface | None]
ValidateNode = Callable[[WorkflowGraph, workflow_pb2.Node], None]


def branch_interface(
    graph: WorkflowGraph, node: workflow_pb2.Node, interface_of: InterfaceOf
) -> TypedInterface | None:
    then_nodes = _then_nodes(graph, node)
    if then_nodes is None:
        return None
    for then_node in then_nodes:
        # Before recursing, so nested branches come out as n0-n0-n1.
        then_node.id = f"{node.id}-{then_node.id}"
    interfaces = [(then, interface_of(graph, then)) for then in then_nodes]
    outputs = _common_outputs(graph, [(n, i) for n, i in interfaces if i is not None])
    return TypedInterface(inputs=infer_inputs(graph, node), outputs=outputs)


def _then_nodes(graph: WorkflowGraph, node: workflow_pb2.Node) -> list[workflow_pb2.Node] | None:
    branch = node.branch_node
    for present, what in (
        (branch.HasField("if_else"), "Branch.IfElse"),
        (branch.if_else.HasField("case"), "Branch.IfElse.Case"),
        (branch.if_else.case.HasField("then_node"), "Branch.IfElse.Case.ThenNode"),
    ):
        if not present:
            graph.errors.add(messages.value_required(node.id, what))
            return None
    for other in branch.if_else.other:
        if not other.HasField("then_node"):
            graph.errors.add(messages.value_required(node.id, "IfElse.Case.ThenNode"))
    return sub_nodes(node)


def _common_outputs(
    graph: WorkflowGraph, interfaces: list[tuple[workflow_pb2.Node, TypedInterface]]
) -> interface_pb2.VariableMap:
    """The outputs every then-node has; each must have the very same type everywhere."""
    outputs = interface_pb2.VariableMap()
    if not interfaces:
        return outputs
    names = set.intersection(*(set(i.outputs.variables) for _, i in interfaces))
    first = interfaces[0][1].outputs.variables
    for name in sorted(names):
        expected = first[name].type
        for then_node, interface in interfaces[1:]:
            found = interface.outputs.variables[name].type
            if found != expected:
                got, want = compact_text(found), compact_text(expected)
                graph.errors.add(messages.mismatching_types(then_node.id, name, got, want))
        outputs.variables[name].CopyFrom(first[name])
    return outputs


def validate_branch(
    graph: WorkflowGraph, node: workflow_pb2.Node, validate_node: ValidateNode
) -> None:
    mark = graph.errors.mark()
    if_else = node.branch_node.if_else
    cases = [if_else.case] if if_else.HasField("case") else []
    if not cases:
        graph.errors.add(messages.branch_without_condition(node.id))
    cases.extend(if_else.other)
    for case in cases:
        check_condition(graph, node, case)
        if not case.HasField("then_node"):
            graph.errors.add(messages.branch_not_assigned(node.id))
    if not if_else.HasField("else_node") and not if_else.HasField("error"):
        graph.errors.add(messages.branch_without_default(node.id))
    children = sub_nodes(node)
    for child in children:
        validate_node(graph, child)
    if not graph.errors.added_since(mark):
        for child in children:
            # A then-node's own explicit upstream ids are ignored in this mode.
            add_edges(graph, child, Mode.UPSTREAM_ONLY)

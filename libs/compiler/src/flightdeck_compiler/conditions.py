"""Branch conditions (§3.5).

Operand types must be *identical*, not merely castable (quirk §10.6, kept). flightdeck also
accepts literal ``scalar`` operands, which Go rejects although flytekit's ``is_none()`` sends
one (quirk §10.3); such a literal only has to be castable to the other side's type.
"""

from __future__ import annotations

from dataclasses import dataclass

from flyteidl.core import condition_pb2, literals_pb2, workflow_pb2
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_compiler import messages
from flightdeck_compiler.graph import WorkflowGraph
from flightdeck_typecheck import NotInferable, castable, compact_text, infer_scalar_type


@dataclass(frozen=True)
class _Operand:
    type: LiteralType
    is_scalar: bool


def check_condition(
    graph: WorkflowGraph, node: workflow_pb2.Node, case: workflow_pb2.IfBlock
) -> None:
    if not case.HasField("condition"):
        graph.errors.add(messages.branch_without_condition(node.id))
        return
    _check_expression(graph, node, case.condition)


def _check_expression(
    graph: WorkflowGraph, node: workflow_pb2.Node, expression: condition_pb2.BooleanExpression
) -> None:
    kind = expression.WhichOneof("expr")
    if kind == "comparison":
        _check_comparison(graph, node, expression.comparison)
    elif kind == "conjunction":
        conjunction = expression.conjunction
        for side in ("left_expression", "right_expression"):
            if conjunction.HasField(side):
                _check_expression(graph, node, getattr(conjunction, side))
            else:
                graph.errors.add(messages.branch_without_condition(node.id))
    else:
        graph.errors.add(messages.value_required(node.id, "Expr"))


def _check_comparison(
    graph: WorkflowGraph, node: workflow_pb2.Node, comparison: condition_pb2.ComparisonExpression
) -> None:
    right = _operand(graph, node, comparison, "right_value", "RightValue")
    left = _operand(graph, node, comparison, "left_value", "LeftValue")
    if right is None or left is None or _comparable(right, left):
        return
    error = messages.mismatching_types(
        node.id, "RightValue", compact_text(right.type), compact_text(left.type)
    )
    graph.errors.add(error)


def _comparable(right: _Operand, left: _Operand) -> bool:
    if right.is_scalar:
        return castable(right.type, left.type)
    if left.is_scalar:
        return castable(left.type, right.type)
    return right.type == left.type


def _operand(
    graph: WorkflowGraph,
    node: workflow_pb2.Node,
    comparison: condition_pb2.ComparisonExpression,
    field: str,
    side: str,
) -> _Operand | None:
    if not comparison.HasField(field):
        graph.errors.add(messages.value_required(node.id, side))
        return None
    operand = getattr(comparison, field)
    kind = operand.WhichOneof("val")
    if kind == "primitive":
        scalar = literals_pb2.Scalar(primitive=operand.primitive)
        return _Operand(infer_scalar_type(scalar), is_scalar=False)
    if kind == "var":
        return _variable(graph, node, operand.var)
    if kind == "scalar":
        return _scalar(graph, node, operand.scalar)
    graph.errors.add(messages.value_required(node.id, f"{side}.Val"))
    return None


def _variable(graph: WorkflowGraph, node: workflow_pb2.Node, name: str) -> _Operand | None:
    # flytekit names branch inputs "<node>.<var>" (".<var>" for workflow inputs).
    interface = graph.interface(node)
    if interface is None or name not in interface.inputs.variables:
        graph.errors.add(messages.variable_not_found(node.id, node.id, name))
        return None
    return _Operand(interface.inputs.variables[name].type, is_scalar=False)


def _scalar(
    graph: WorkflowGraph, node: workflow_pb2.Node, scalar: literals_pb2.Scalar
) -> _Operand | None:
    try:
        return _Operand(infer_scalar_type(scalar), is_scalar=True)
    except NotInferable:
        graph.errors.add(messages.unrecognized_value(node.id, compact_text(scalar)))
        return None

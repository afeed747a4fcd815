"""One branch comparison: two operands and an operator (spec §3.5).

As in propeller, both sides must be primitives of one kind; booleans allow only EQ/NEQ and
datetimes/durations compare whole seconds. flightdeck improves on it (quirk §9.1): integers and
floats compare numerically, ``scalar`` operands are understood, union values are unwrapped, and
a ``none`` on either side compares by none-ness under EQ/NEQ — so flytekit's ``is_none()`` and
conditions on Optional outputs work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flyteidl.core import condition_pb2, literals_pb2

USER_PROVIDED_ERROR = "UserProvidedError"
MALFORMED_BRANCH = "MalformedBranchUserError"
ILLEGAL_STATE = "IllegalStateError"

Operator = condition_pb2.ComparisonExpression.Operator
_NUMBERS = frozenset({"integer", "float_value"})
_ORDERED = frozenset({"integer", "float_value", "string_value", "datetime", "duration"})


class ComparisonFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class _Value:
    """A comparable operand: a primitive's kind and value, or ``none``."""

    kind: str
    value: Any = None


_NONE = _Value("none")


def compare(
    comparison: condition_pb2.ComparisonExpression, inputs: literals_pb2.LiteralMap
) -> bool:
    left = _operand(comparison.left_value, inputs, "LHS")
    right = _operand(comparison.right_value, inputs, "RHS")
    operator = comparison.operator
    if _NONE in (left, right):
        return _compare_none(left, right, operator)
    return _compare_primitives(left, right, operator)


def _operand(operand: condition_pb2.Operand, inputs: literals_pb2.LiteralMap, side: str) -> _Value:
    kind = operand.WhichOneof("val")
    if kind == "primitive":
        return _primitive(operand.primitive)
    if kind == "scalar":
        return _scalar(operand.scalar, side)
    if operand.var not in inputs.literals:
        raise ComparisonFailed(
            MALFORMED_BRANCH, f"Failed to find Value for Variable [{operand.var}]"
        )
    return _literal(inputs.literals[operand.var], side)


def _literal(literal: literals_pb2.Literal, side: str) -> _Value:
    if not literal.HasField("scalar"):
        raise _non_primitive(side)
    return _scalar(literal.scalar, side)


def _scalar(scalar: literals_pb2.Scalar, side: str) -> _Value:
    kind = scalar.WhichOneof("value")
    if kind == "union":
        return _literal(scalar.union.value, side)
    if kind == "none_type":
        return _NONE
    if kind == "primitive":
        return _primitive(scalar.primitive)
    raise _non_primitive(side)


def _non_primitive(side: str) -> ComparisonFailed:
    return ComparisonFailed(
        MALFORMED_BRANCH, f"Only primitives can be compared. {side} Variable is non primitive."
    )


def _primitive(primitive: literals_pb2.Primitive) -> _Value:
    kind = primitive.WhichOneof("value")
    if kind is None:
        raise ComparisonFailed(ILLEGAL_STATE, "comparator not defined for type: [<nil>]")
    if kind in ("datetime", "duration"):
        return _Value(kind, getattr(primitive, kind).seconds)
    return _Value(kind, getattr(primitive, kind))


def _compare_none(left: _Value, right: _Value, operator: int) -> bool:
    if operator == condition_pb2.ComparisonExpression.EQ:
        return left == right
    if operator == condition_pb2.ComparisonExpression.NEQ:
        return left != right
    raise ComparisonFailed(MALFORMED_BRANCH, f"[{_name(operator)}] not defined for none operands.")


def _compare_primitives(left: _Value, right: _Value, operator: int) -> bool:
    same_kind = left.kind == right.kind or {left.kind, right.kind} <= _NUMBERS
    if not same_kind:
        raise ComparisonFailed(
            MALFORMED_BRANCH,
            "Comparison between different primitives types. "
            f"lVal[{_go_type(left.kind)}]:rVal[{_go_type(right.kind)}]",
        )
    ordered = left.kind in _ORDERED
    greater = ordered and left.value > right.value
    equal = left.value == right.value
    return _apply(operator, greater, equal, ordered)


def _apply(operator: int, greater: bool, equal: bool, ordered: bool) -> bool:
    expression = condition_pb2.ComparisonExpression
    if operator == expression.EQ:
        return equal
    if operator == expression.NEQ:
        return not equal
    if not ordered and operator in (expression.GT, expression.GTE, expression.LT, expression.LTE):
        raise ComparisonFailed(
            MALFORMED_BRANCH, f"[{_name(operator)}] not defined for boolean operands."
        )
    # Derived from > and == exactly as propeller does (this matters for NaN).
    if operator == expression.GT:
        return greater
    if operator == expression.GTE:
        return equal or greater
    if operator == expression.LT:
        return not (greater or equal)
    if operator == expression.LTE:
        return not greater
    raise ComparisonFailed(
        MALFORMED_BRANCH, "Unsupported operator type in Propeller. System error."
    )


def _name(operator: int) -> str:
    return str(condition_pb2.ComparisonExpression.Operator.Name(operator))  # type: ignore[arg-type]


def _go_type(kind: str) -> str:
    return "*core.Primitive_" + "".join(word.capitalize() for word in kind.split("_"))

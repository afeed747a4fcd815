"""Does a literal value fit a declared type? Used for execution inputs, launch plan defaults and
signal values, and (for the enum rule) by the compiler's scalar bindings.

Errors name both types in the compact proto text admin has always printed, so callers can wrap
them in their own wording (``invalid x input wrong type. <message>``).
"""

from __future__ import annotations

from flyteidl.core import literals_pb2, types_pb2
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_typecheck.castability import castable
from flightdeck_typecheck.describe import compact_text
from flightdeck_typecheck.inference import NotInferable, infer_literal_type


class LiteralTypeError(ValueError):
    """Base of the ways a literal can fail to fit its declared type."""


class InvalidLiteralType(LiteralTypeError):
    """The literal carries no type we can infer (no value, a blob without metadata...)."""


class LiteralTypeMismatch(LiteralTypeError):
    """The literal's type is not castable to the expected one, or breaks an enum."""

    def __init__(self, expected: LiteralType, actual: LiteralType, detail: str = "") -> None:
        self.expected = expected
        self.actual = actual
        message = f"Expected [{compact_text(expected)}], but got [{compact_text(actual)}]"
        super().__init__(f"{message}{detail}")


def check_literal(literal: literals_pb2.Literal, expected: LiteralType) -> LiteralType:
    """Return the literal's inferred type, or raise a ``LiteralTypeError`` naming both types."""
    try:
        actual = infer_literal_type(literal)
    except NotInferable as exc:
        raise InvalidLiteralType(str(exc)) from exc
    if not castable(actual, expected):
        raise LiteralTypeMismatch(expected, actual)
    if literal.WhichOneof("value") == "scalar":
        violation = illegal_enum_value(literal.scalar, expected)
        if violation is not None:
            received, allowed = violation
            detail = f": [{received}] is not one of {allowed}"
            raise LiteralTypeMismatch(expected, actual, detail)
    return actual


def illegal_enum_value(
    scalar: literals_pb2.Scalar, expected: LiteralType
) -> tuple[str, list[str]] | None:
    """``(received, allowed values)`` when a scalar breaks an enum, ``Optional[Enum]`` included.

    flytekit binds enum values as plain strings, and optional enum values as a one-variant union
    wrapping that string; a ``None`` for an optional enum is fine.
    """
    kind = expected.WhichOneof("type")
    received = _string_value(scalar)
    if kind == "enum_type":
        allowed = list(expected.enum_type.values)
        value = received or ""
        return None if value in allowed else (value, allowed)
    if kind != "union_type" or received is None or _accepts_any_string(expected):
        return None
    allowed = [
        value
        for variant in expected.union_type.variants
        if variant.WhichOneof("type") == "enum_type"
        for value in variant.enum_type.values
    ]
    if not allowed or received in allowed:
        return None
    return received, allowed


def _string_value(scalar: literals_pb2.Scalar) -> str | None:
    kind = scalar.WhichOneof("value")
    if kind == "primitive" and scalar.primitive.WhichOneof("value") == "string_value":
        return scalar.primitive.string_value
    if kind == "union" and scalar.union.value.WhichOneof("value") == "scalar":
        return _string_value(scalar.union.value.scalar)
    return None


def _accepts_any_string(union: LiteralType) -> bool:
    return any(
        variant.WhichOneof("type") == "simple" and variant.simple == types_pb2.STRING
        for variant in union.union_type.variants
    )

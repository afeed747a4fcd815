"""Flyte literal type rules shared by the compiler, execution creation and signals.

Pure Python over flyteidl messages:

* ``castable(upstream, downstream)``: may a value of one type be bound to a slot of another;
* ``infer_literal_type(literal)``: the type a literal value carries;
* ``check_literal(literal, expected)``: both together, raising ``LiteralTypeError``;
* ``compact_text`` / ``type_name``: the text forms used in error messages.
"""

from flightdeck_typecheck.castability import castable, is_none_type
from flightdeck_typecheck.describe import compact_text, type_name
from flightdeck_typecheck.inference import NotInferable, infer_literal_type, infer_scalar_type
from flightdeck_typecheck.literals import (
    InvalidLiteralType,
    LiteralTypeError,
    LiteralTypeMismatch,
    check_literal,
    illegal_enum_value,
)

__all__ = [
    "InvalidLiteralType",
    "LiteralTypeError",
    "LiteralTypeMismatch",
    "NotInferable",
    "castable",
    "check_literal",
    "compact_text",
    "illegal_enum_value",
    "infer_literal_type",
    "infer_scalar_type",
    "is_none_type",
    "type_name",
]

"""Request filters resolved against a listing schema into conditions on document fields.

Checks run in the reference's order: the expression's shape, the entity, the column, the values,
and only then the function name.
"""

from __future__ import annotations

from dataclasses import dataclass

from flightdeck_platform import faults

from . import grammar
from .grammar import Expression, Function
from .schema import Column, Kind, ListingSchema, Scalar
from .values import convert

_TEXT_KINDS = (Kind.STRING, Kind.ENUM_NAME)


@dataclass(frozen=True)
class Condition:
    """``value`` is a tuple for value_in/value_not_in and a single scalar otherwise; for contains
    and not_like it is the raw pattern text. ``default`` stands in for a missing field."""

    field: str
    function: Function
    value: Scalar | tuple[Scalar, ...]
    default: Scalar = None

    @property
    def values(self) -> tuple[Scalar, ...]:
        return self.value if isinstance(self.value, tuple) else (self.value,)


def resolve_filters(schema: ListingSchema, text: str) -> tuple[Condition, ...]:
    expressions = grammar.parse_filters(text, schema.primary)
    return tuple(_resolve(schema, expression) for expression in expressions)


def request_filters(schema: ListingSchema, filters: str) -> str:
    """The filter text a request is listed with: its own, or the listing's implicit default."""
    if schema.accepts_filters and filters:
        return filters
    return schema.default_filters


def _resolve(schema: ListingSchema, expression: Expression) -> Condition:
    column = _column(schema, expression)
    assert column.field is not None
    value = _value(column, expression)
    function = grammar.function_named(expression.function)
    if function.matches_text and column.kind not in _TEXT_KINDS:
        raise faults.InvalidArgument(
            f"filter function {function} cannot be applied to '{expression.label}'"
        )
    return Condition(column.field, function, value, column.default)


def _column(schema: ListingSchema, expression: Expression) -> Column:
    columns = schema.entities.get(expression.entity)
    if columns is None:
        raise faults.InvalidArgument(f"'{expression.entity}' entity is not allowed in filters")
    column = columns.get(expression.column)
    if column is None or column.field is None:
        raise faults.InvalidArgument(f"'{expression.label}' is invalid filter")
    return column


def _value(column: Column, expression: Expression) -> Scalar | tuple[Scalar, ...]:
    """A list for the list functions; a single value read whole for every other function
    (``eq(name,a;b)`` compares with ``a;b``). Unknown functions are read whole too."""
    if not _is_list_function(expression.function):
        return convert(column, expression.label, expression.value)
    parts = expression.value.split(grammar.LIST_SEPARATOR)
    return tuple(convert(column, expression.label, part) for part in parts)


def _is_list_function(name: str) -> bool:
    return name in (Function.VALUE_IN, Function.VALUE_NOT_IN)

"""The reference filter grammar: ``func(field,value)`` expressions joined by ``+``.

Each expression is matched, unanchored, by the reference's pattern ``(.+)\\((.+),\\s?(.+)\\)``
(greedy, so a value can hold neither ``+`` nor, through the field group, a second ``,``). The
field may carry an entity prefix (``task.``, ``launch_plan.``...) that selects the entity whose
column is meant; the reference reports entities by their short codes.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from flightdeck_platform import faults

# \s in Go's RE2 is exactly [\t\n\f\r ]; Python's would also take \v and Unicode spaces.
_EXPRESSION = re.compile(r"(.+)\((.+),[\t\n\f\r ]?(.+)\)")

ENTITY_PREFIXES: dict[str, str] = {
    "task": "t",
    "workflow": "w",
    "launch_plan": "l",
    "execution": "e",
    "node_execution": "ne",
    "task_execution": "te",
    "entities": "nen",
    "named_entity_metadata": "nem",
    "project": "p",
    "signal": "s",
    "admin_tag": "at",
    "execution_admin_tag": "et",
    "execution_tag": "et",
}


class Function(enum.StrEnum):
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GTE = "gte"
    LT = "lt"
    LTE = "lte"
    CONTAINS = "contains"
    NOT_LIKE = "not_like"
    VALUE_IN = "value_in"
    VALUE_NOT_IN = "value_not_in"

    @property
    def takes_list(self) -> bool:
        return self in (Function.VALUE_IN, Function.VALUE_NOT_IN)

    @property
    def matches_text(self) -> bool:
        return self in (Function.CONTAINS, Function.NOT_LIKE)


LIST_SEPARATOR = ";"


@dataclass(frozen=True)
class Expression:
    function: str
    entity: str  # entity code; the listing's primary entity when the field has no prefix
    column: str
    value: str

    @property
    def label(self) -> str:
        return f"{self.entity}.{self.column}"


def parse_filters(text: str, primary: str) -> tuple[Expression, ...]:
    if not text:
        return ()
    return tuple(_parse_expression(part, primary) for part in text.split("+"))


def function_named(name: str) -> Function:
    try:
        return Function(name)
    except ValueError:
        raise faults.InvalidArgument(f"unrecognized filter function: {name}") from None


def _parse_expression(text: str, primary: str) -> Expression:
    match = _EXPRESSION.search(text)
    if match is None:
        raise faults.InvalidArgument(f"invalid value for filters: {text!r}")
    function, field, value = match.groups()
    entity, column = _split_entity(field, primary)
    return Expression(function, entity, column, value)


def _split_entity(field: str, primary: str) -> tuple[str, str]:
    prefix, dot, rest = field.partition(".")
    if dot and prefix in ENTITY_PREFIXES:
        return ENTITY_PREFIXES[prefix], rest
    return primary, field

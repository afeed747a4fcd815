"""A listing plan evaluated over rows in memory, with the semantics the Mongo adapter gives it.

In-memory fakes page with ``select_page``; the Mongo adapter asks ``holds`` whether a column's
default satisfies a condition (SQL ``COALESCE``). Conditions follow SQL: a missing value without a
default satisfies nothing, not even ``ne`` or ``not_like``. Rows sort as MongoDB sorts them:
missing values first when ascending.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .conditions import Condition
from .grammar import Function
from .patterns import like_body, literal
from .plan import ListingPlan, next_token
from .tokens import CursorValue, HexId

Row = Mapping[str, Any]

_COMPARISONS: dict[Function, Callable[[Any, Any], bool]] = {
    Function.EQ: operator.eq,
    Function.NE: operator.ne,
    Function.GT: operator.gt,
    Function.GTE: operator.ge,
    Function.LT: operator.lt,
    Function.LTE: operator.le,
}


def holds(condition: Condition, value: Any) -> bool:
    value = _comparable(condition.default if value is None else value)
    if value is None:
        return False
    expected = _comparable(condition.value)
    match condition.function:
        case Function.CONTAINS:
            return isinstance(value, str) and _search(literal(str(expected)), value)
        case Function.NOT_LIKE:
            return isinstance(value, str) and not _fullmatch(like_body(str(expected)), value)
        case Function.VALUE_IN:
            return value in expected
        case Function.VALUE_NOT_IN:
            return value not in expected
    try:
        return _COMPARISONS[condition.function](value, expected)
    except TypeError:
        return False


def matches(conditions: Iterable[Condition], row: Row) -> bool:
    return all(holds(condition, field_value(row, condition.field)) for condition in conditions)


def select_page(plan: ListingPlan, rows: Iterable[Row]) -> tuple[list[Row], str]:
    """The page ``plan`` asks for among ``rows`` (already narrowed to the request's scope)."""
    kept = [row for row in rows if matches(plan.conditions, row)]
    if plan.schema.group_by:
        kept = _distinct(kept, plan.schema.group_by)
    kept.sort(key=lambda row: _sort_key(plan, row), reverse=not plan.ordering.ascending)
    if plan.start.after is not None:
        kept = [row for row in kept if _is_after(plan, row)]
    end = None if plan.limit is None else plan.start.offset + plan.limit
    page = kept[plan.start.offset : end]
    last = cursor_values(plan, page[-1]) if page else None
    return page, next_token(plan, len(page), last)


def cursor_values(plan: ListingPlan, row: Row) -> tuple[CursorValue, ...]:
    return tuple(field_value(row, name) for name in plan.ordering.fields)


def field_value(row: Row, path: str) -> Any:
    value: Any = row
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _distinct(rows: list[Row], fields: tuple[str, ...]) -> list[Row]:
    seen: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        group = {name: row[name] for name in fields if row.get(name) is not None}
        seen.setdefault(tuple(group.get(name) for name in fields), group)
    return list(seen.values())


def _sort_key(plan: ListingPlan, row: Row) -> tuple[tuple[int, Any], ...]:
    return _position(cursor_values(plan, row))


def _position(values: Iterable[Any]) -> tuple[tuple[int, Any], ...]:
    return tuple((0, 0) if value is None else (1, _comparable(value)) for value in values)


def _is_after(plan: ListingPlan, row: Row) -> bool:
    assert plan.start.after is not None
    here, cursor = _sort_key(plan, row), _position(plan.start.after)
    return here > cursor if plan.ordering.ascending else here < cursor


def _comparable(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_comparable(item) for item in value)
    if isinstance(value, HexId):
        return value.hex
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _search(body: str, text: str) -> bool:
    return re.search(body, text, re.DOTALL) is not None


def _fullmatch(body: str, text: str) -> bool:
    return re.fullmatch(body, text, re.DOTALL) is not None

"""One List request, checked and resolved into everything a store needs to fetch its page.

Checks run in the reference managers' order: limit, filters, sort, token.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flightdeck_platform import faults

from .conditions import Condition, request_filters, resolve_filters
from .schema import ListingSchema
from .sorting import Ordering, SortRequest, order_by
from .tokens import CursorValue, Start, cursor_token, read_token


class ListRequest(Protocol):
    """What every flyteidl List request carries (``filters`` is absent on some)."""

    limit: int
    token: str
    sort_by: SortRequest

    def HasField(self, field_name: str) -> bool: ...


@dataclass(frozen=True)
class ListingPlan:
    schema: ListingSchema
    conditions: tuple[Condition, ...]
    ordering: Ordering
    limit: int | None  # None: no limit
    start: Start


@dataclass(frozen=True)
class ListingArguments:
    filters: str
    sort_by: SortRequest | None
    limit: int
    token: str


def arguments_of(request: ListRequest) -> ListingArguments:
    """Reads the listing fields off any flyteidl List request; an unset ``sort_by`` is None."""
    sort_by = request.sort_by if request.HasField("sort_by") else None
    filters = getattr(request, "filters", "")
    return ListingArguments(filters, sort_by, request.limit, request.token)


def plan_listing(
    schema: ListingSchema,
    filters: str,
    sort_by: SortRequest | None,
    limit: int,
    token: str,
) -> ListingPlan:
    page_size = _page_size(schema, limit)
    conditions = resolve_filters(schema, request_filters(schema, filters))
    ordering = order_by(schema, sort_by)
    start = read_token(schema, ordering, token)
    return ListingPlan(schema, conditions, ordering, page_size, start)


def next_token(plan: ListingPlan, returned: int, last: tuple[CursorValue, ...] | None) -> str:
    """A cursor after the last row when the page is full, else ``""``.

    Without a limit (ListProjects with limit 0) the reference compares the row count with 0, so
    it answers ``str(offset)`` exactly when no row came back; kept, since resending that token
    only returns the same empty page."""
    if plan.limit is None:
        no_rows_from_offset = returned == 0 and plan.start.after is None
        return str(plan.start.offset) if no_rows_from_offset else ""
    if returned < plan.limit or last is None:
        return ""
    return cursor_token(plan.schema, plan.ordering, last)


def _page_size(schema: ListingSchema, limit: int) -> int | None:
    if limit > 0:
        return limit
    if schema.limit_optional and limit == 0:
        return None
    raise faults.InvalidArgument(schema.limit_message)

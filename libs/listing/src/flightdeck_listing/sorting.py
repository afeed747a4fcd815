"""``sort_by`` resolved into a total order over document fields.

The requested column comes first; tie-breakers in the same direction make the order total, which
keyset tokens need: ``_id`` for document listings, the remaining grouped fields for distinct
listings. DESCENDING is enum value 0, so a ``sort_by`` with only a key sorts descending, as in
the reference.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from flightdeck_platform import faults

from .schema import ListingSchema

DESCENDING = 0
ASCENDING = 1
DOCUMENT_ID = "_id"


class SortRequest(Protocol):
    """``flyteidl.admin.Sort``, structurally."""

    key: str
    direction: int


@dataclass(frozen=True)
class Ordering:
    key: str  # the sort column, as the request (or the listing's default) names it
    ascending: bool
    fields: tuple[str, ...]  # document fields, most significant first


def order_by(schema: ListingSchema, sort: SortRequest | None) -> Ordering:
    if sort is None:
        key, ascending = schema.default_sort
    else:
        key, ascending = sort.key, _ascending(sort)
    column = schema.sort_columns.get(key)
    if column is None or column.field is None:
        raise faults.InvalidArgument(f"invalid sort key '{key}'")
    return Ordering(key, ascending, _with_tie_breakers(schema, column.field))


def _ascending(sort: SortRequest) -> bool:
    if sort.direction not in (DESCENDING, ASCENDING):
        raise faults.InvalidArgument(
            f'invalid sort order specified: key:"{sort.key}" direction:{sort.direction}'
        )
    return sort.direction == ASCENDING


def _with_tie_breakers(schema: ListingSchema, field: str) -> tuple[str, ...]:
    tie_breakers = schema.group_by or (DOCUMENT_ID,)
    return (field, *(other for other in tie_breakers if other != field))

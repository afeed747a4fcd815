"""The declarative description of one List RPC: which entities its filters may name, how each
column is stored in the listed documents, what it sorts by, and how it pages.

A column's ``field`` is the document field that holds it. Reference columns that flightdeck keeps
only inside the serialized blob (closures, digests, the SQL surrogate ``id``) have no field: they
are still *known* columns, but filtering or sorting on them is rejected as invalid, where the
reference would compare opaque bytes or fail in the database.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

Scalar = str | int | float | bool | datetime | None


class Kind(enum.Enum):
    """How a filter value is read and how the column's values are stored."""

    STRING = "string"
    INTEGER = "integer"  # states and resource types: stored as the enum number
    ENUM_NAME = "enum name"  # phases: stored as the enum value's name
    TIMESTAMP = "timestamp"  # stored as a BSON date; filter values are RFC3339
    DURATION = "duration"  # stored as float seconds; seconds or Go duration strings


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    field: str | None
    default: Scalar = None  # the value a missing field counts as (SQL COALESCE)
    choices: frozenset[str] = frozenset()  # the names an ENUM_NAME column accepts


@dataclass(frozen=True)
class ListingSchema:
    """``entities`` maps each entity code allowed in filters to its columns; the primary entity's
    columns are the sort keys. ``operation`` names the RPC in token errors (empty: no suffix, as
    ListLaunchPlanIds). ``scope`` lists the equality fields every query of this listing carries
    (project, domain...): they lead every index. ``group_by`` makes the listing return the
    distinct combinations of these fields instead of documents (the NamedEntityIdentifier lists).
    """

    name: str
    operation: str
    primary: str
    entities: Mapping[str, Mapping[str, Column]] = dataclasses.field(repr=False)
    default_sort: tuple[str, bool]  # (column, ascending) when the request has no sort_by
    scope: tuple[str, ...] = ()
    default_filters: str = ""  # used when the request's filters are empty
    accepts_filters: bool = True
    group_by: tuple[str, ...] = ()
    limit_optional: bool = False  # ListProjects: 0 means "no limit"
    limit_message: str = "invalid value for limit"
    # The sort keys, when they are not the primary entity's columns.
    sorts: Mapping[str, Column] | None = dataclasses.field(default=None, repr=False)

    @property
    def sort_columns(self) -> Mapping[str, Column]:
        return self.entities[self.primary] if self.sorts is None else self.sorts


def columns(*specs: Column) -> Mapping[str, Column]:
    return {spec.name: spec for spec in specs}


def string(name: str, field: str | None = None) -> Column:
    return Column(name, Kind.STRING, field or name)


def integer(name: str, *, default: int | None = None, field: str | None = None) -> Column:
    return Column(name, Kind.INTEGER, field or name, default=default)


def timestamp(name: str, field: str | None = None) -> Column:
    return Column(name, Kind.TIMESTAMP, field or name)


def duration(name: str, field: str | None = None) -> Column:
    return Column(name, Kind.DURATION, field or name)


def enum_name(name: str, choices: frozenset[str], field: str | None = None) -> Column:
    return Column(name, Kind.ENUM_NAME, field or name, choices=choices)


def unstored(name: str) -> Column:
    return Column(name, Kind.STRING, None)

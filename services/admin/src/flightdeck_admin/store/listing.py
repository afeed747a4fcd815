"""Listing plans executed on MongoDB / FerretDB, and the indexes that back them.

Every List RPC of admin is one call::

    page = await list_request(collection, TASKS, request, base_filter={"project": p, "domain": d})

Conditions follow SQL semantics (a missing field satisfies no condition unless its column has a
default, as with ``COALESCE``). Pages resume after the last row's ordering values (keyset), with
``_id`` (or, for distinct listings, the grouped fields) breaking ties; decimal offset tokens are
applied with ``skip``. A keyset page is an index range on MongoDB and on the embedded FerretDB,
whose SQLite backend deploy/local patches to push filters and sorts on indexed fields down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from bson import ObjectId
from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.asynchronous.collection import AsyncCollection

from flightdeck_listing import (
    Condition,
    CursorValue,
    Function,
    HexId,
    ListingPlan,
    ListingSchema,
    ListRequest,
    SortRequest,
    arguments_of,
    field_value,
    holds,
    next_token,
    plan_listing,
)
from flightdeck_listing.patterns import like_body, literal
from flightdeck_records.documents import ROW_CREATED_AT, ROW_UPDATED_AT

Document = dict[str, Any]
Filter = dict[str, Any]
_NOTHING: Filter = {"_id": {"$in": []}}
_GROUP = "_id"
_ALWAYS_STORED = frozenset({_GROUP, ROW_CREATED_AT, ROW_UPDATED_AT})
"""Fields every listed document has: its key, and the row's insert and update times, which each
writer of a listed collection sets (the versioned entities, executions, projects, named and
description entities, and the projector's node and task execution documents)."""


class Page(NamedTuple):
    documents: list[Document]  # for distinct listings: one {field: value} per group
    token: str


async def list_request(
    collection: AsyncCollection[Document],
    schema: ListingSchema,
    request: ListRequest,
    *,
    base_filter: Mapping[str, Any] | None = None,
) -> Page:
    """Lists by the ``filters``, ``sort_by``, ``limit`` and ``token`` of a flyteidl request."""
    arguments = arguments_of(request)
    return await list_documents(
        collection,
        schema,
        arguments.filters,
        arguments.sort_by,
        arguments.limit,
        arguments.token,
        base_filter=base_filter,
    )


async def list_documents(
    collection: AsyncCollection[Document],
    schema: ListingSchema,
    filters: str,
    sort_by: SortRequest | None,
    limit: int,
    token: str,
    *,
    base_filter: Mapping[str, Any] | None = None,
) -> Page:
    """``base_filter`` holds the request's implicit conditions (project, domain, state...)."""
    plan = plan_listing(schema, filters, sort_by, limit, token)
    return await fetch_page(collection, plan, base_filter)


async def fetch_page(
    collection: AsyncCollection[Document],
    plan: ListingPlan,
    base_filter: Mapping[str, Any] | None = None,
) -> Page:
    query = query_filter(plan, base_filter)
    if plan.schema.group_by:
        rows = await _fetch_groups(collection, plan, query)
    else:
        rows = await _fetch_documents(collection, plan, query)
    last = _cursor_values(plan, rows[-1]) if rows else None
    return Page(rows, next_token(plan, len(rows), last))


def query_filter(plan: ListingPlan, base_filter: Mapping[str, Any] | None = None) -> Filter:
    """The request's conditions and, for documents, the keyset position, under ``base_filter``
    kept at the top level, where FerretDB pushes plain equalities down to SQL."""
    clauses = [condition_filter(condition) for condition in plan.conditions]
    if not plan.schema.group_by:
        clauses.extend(_position_filters(plan, ""))
    query = dict(base_filter or {})
    if clauses:
        query["$and"] = [*query.get("$and", ()), *clauses]
    return query


def condition_filter(condition: Condition) -> Filter:
    clause = _sql_clause(condition)
    if condition.default is not None and holds(condition, condition.default):
        return {"$or": [clause, {condition.field: None}]}
    return clause


def _sql_clause(condition: Condition) -> Filter:
    field, function = condition.field, condition.function
    if function.takes_list:
        return _list_clause(field, function, condition.values)
    value = _at_millisecond(condition.value, function)
    if value is _UNMATCHABLE:
        return {field: {"$ne": None}} if function is Function.NE else _NOTHING
    match function:
        case Function.EQ:
            return {field: value}
        case Function.NE:
            return {field: {"$nin": [value, None]}}
        case Function.CONTAINS:
            return {field: {"$regex": literal(str(value)), "$options": "s"}}
        case Function.NOT_LIKE:
            pattern = {"$regex": rf"\A{like_body(str(value))}\z", "$options": "s"}
            return {field: {"$not": pattern, "$ne": None}}
    return {field: {_RANGE_OPERATORS[function]: value}}


def _list_clause(field: str, function: Function, values: Sequence[Any]) -> Filter:
    kept = [value for value in values if _at_millisecond(value, function) is not _UNMATCHABLE]
    if function is Function.VALUE_IN:
        return {field: {"$in": kept}}
    return {field: {"$nin": [*kept, None]}}


_RANGE_OPERATORS = {
    Function.GT: "$gt",
    Function.GTE: "$gte",
    Function.LT: "$lt",
    Function.LTE: "$lte",
}

# BSON dates hold milliseconds. A filter moment between two milliseconds is moved to the
# millisecond that selects the same stored values; equality with it can never hold.
_UNMATCHABLE = object()
_MILLISECOND = timedelta(milliseconds=1)


def _at_millisecond(value: Any, function: Function) -> Any:
    if not isinstance(value, datetime) or value.microsecond % 1000 == 0:
        return value
    floor = value.replace(microsecond=value.microsecond - value.microsecond % 1000)
    if function in (Function.GT, Function.LTE):
        return floor
    if function in (Function.GTE, Function.LT):
        return floor + _MILLISECOND
    return _UNMATCHABLE


async def _fetch_documents(
    collection: AsyncCollection[Document], plan: ListingPlan, query: Filter
) -> list[Document]:
    cursor = collection.find(query, sort=_sort(plan, ""), skip=plan.start.offset)
    if plan.limit is not None:
        cursor = cursor.limit(plan.limit)
    return await cursor.to_list()


async def _fetch_groups(
    collection: AsyncCollection[Document], plan: ListingPlan, query: Filter
) -> list[Document]:
    """Distinct combinations of the grouped fields. FerretDB's ``$project`` does not evaluate
    field paths, so the groups are flattened here rather than in the pipeline."""
    prefix = f"{_GROUP}."
    pipeline: list[Filter] = [
        {"$match": query},
        {"$group": {_GROUP: {name: f"${name}" for name in plan.schema.group_by}}},
        {"$sort": dict(_sort(plan, prefix))},
        *({"$match": position} for position in _position_filters(plan, prefix)),
        {"$skip": plan.start.offset},
        *([{"$limit": plan.limit}] if plan.limit is not None else []),
    ]
    cursor = await collection.aggregate(pipeline)
    return [dict(row[_GROUP]) async for row in cursor]


def _sort(plan: ListingPlan, prefix: str) -> list[tuple[str, int]]:
    direction = ASCENDING if plan.ordering.ascending else DESCENDING
    return [(prefix + name, direction) for name in plan.ordering.fields]


def _position_filters(plan: ListingPlan, prefix: str) -> list[Filter]:
    """The rows strictly after the cursor, in the plan's order. Missing values sort first
    ascending (last descending), as MongoDB orders them."""
    after = plan.start.after
    if after is None:
        return []
    fields = [prefix + name for name in plan.ordering.fields]
    values = [_driver_value(value) for value in after]
    branches = []
    for index, (name, value) in enumerate(zip(fields, values, strict=True)):
        beyond = _beyond(name, value, plan.ordering.ascending)
        if beyond is not None:
            equal = [{prior: seen} for prior, seen in zip(fields, values[:index], strict=False)]
            branches.append({"$and": [*equal, beyond]} if equal else beyond)
    if not branches:
        return [_NOTHING]
    bound = _leading_bound(fields[0], values[0], plan.ordering.ascending)
    return [*([bound] if bound else []), {"$or": branches}]


def _leading_bound(name: str, value: Any, ascending: bool) -> Filter | None:
    """What every branch of the keyset implies of the first ordering field, as one range: an
    index walk can then start at the cursor instead of skipping every earlier row (FerretDB's
    SQLite pushdown and MongoDB alike do not derive it from the ``$or``). Descending, rows with
    the field missing come after the cursor, so only fields every document has get the bound."""
    if value is None:
        return None
    if ascending:
        return {name: {"$gte": value}}
    return {name: {"$lte": value}} if name in _ALWAYS_STORED else None


def _beyond(name: str, value: Any, ascending: bool) -> Filter | None:
    if value is None:
        return {name: {"$ne": None}} if ascending else None
    if ascending:
        return {name: {"$gt": value}}
    if name == _GROUP:  # never missing
        return {name: {"$lt": value}}
    return {"$or": [{name: {"$lt": value}}, {name: None}]}


def _cursor_values(plan: ListingPlan, row: Document) -> tuple[CursorValue, ...]:
    return tuple(_cursor_value(field_value(row, name)) for name in plan.ordering.fields)


def _cursor_value(value: Any) -> CursorValue:
    if isinstance(value, ObjectId):
        return HexId(str(value))
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _driver_value(value: CursorValue) -> Any:
    return ObjectId(value.hex) if isinstance(value, HexId) else value


def index_models(schema: ListingSchema, columns: Sequence[str] = ()) -> list[IndexModel]:
    """One index per stored column (or per column of ``columns``): the listing's scope, the
    column, then ``_id``, so every filter and every keyset sort has an index range to walk
    (compound, non-partial, non-TTL: what FerretDB supports). Distinct listings get one index on
    scope and grouped fields."""
    if schema.group_by:
        key_sets = [_unique((*schema.scope, *schema.group_by))]
    else:
        fields = [name for name in _stored_fields(schema) if not columns or name in columns]
        key_sets = [_unique((*schema.scope, name, _GROUP)) for name in fields]
    return [_index(keys) for keys in dict.fromkeys(key_sets)]


def newest_first_index(schema: ListingSchema, column: str) -> IndexModel:
    """The listing's scope, ``column``, then the default order: a page filtered on ``column``
    (equality) in the default order reads only its own rows, where the per-column index would
    read them all and sort, and the order's index would read every row the filter rejects."""
    return _index(_unique((*schema.scope, column, ROW_CREATED_AT, _GROUP)))


async def ensure_indexes(
    collection: AsyncCollection[Document], *schemas: ListingSchema
) -> list[str]:
    """Creates the indexes of every listing served from ``collection`` that are not there yet,
    one ``createIndexes`` each: FerretDB 1.24 drops the connection when a single command names
    several indexes that all exist already (as a racing replica's would). An index of the same
    name over other keys is left for the server to refuse."""
    models = {model.document["name"]: model for schema in schemas for model in index_models(schema)}
    existing = await collection.index_information()
    for name, model in models.items():
        if existing.get(name, {}).get("key") != list(model.document["key"].items()):
            await collection.create_indexes([model])
    return list(models)


def _stored_fields(schema: ListingSchema) -> list[str]:
    columns = [*schema.sort_columns.values()]
    columns += [column for entity in schema.entities.values() for column in entity.values()]
    return list(dict.fromkeys(column.field for column in columns if column.field))


def _index(keys: tuple[str, ...]) -> IndexModel:
    return IndexModel([(key, ASCENDING) for key in keys], name="listing__" + "__".join(keys))


def _unique(keys: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(keys))

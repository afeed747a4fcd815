"""The listing engine against the real FerretDB of the local stack (deploy/local/up ferretdb).

The in-memory evaluation of the same plan (``select_page``) is the oracle: FerretDB must return
the same rows in the same order, page after page.
"""

from __future__ import annotations

import os
import random
import socket
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from bson import ObjectId
from flyteidl.admin import common_pb2
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from flightdeck_admin.store.listing import ensure_indexes, list_documents, list_request
from flightdeck_listing import (
    NAMED_ENTITIES,
    PROJECTS,
    TASK_IDS,
    TASKS,
    ListingSchema,
    plan_listing,
    select_page,
)
from flightdeck_platform import faults

pytestmark = pytest.mark.integration

ASC, DESC = common_pb2.Sort.ASCENDING, common_pb2.Sort.DESCENDING
T0 = datetime(2024, 3, 1, tzinfo=UTC)
TASK_SORT_KEYS = sorted(
    name for name, column in TASKS.sort_columns.items() if column.field is not None
)
Document = dict[str, Any]


def _mongo_port() -> int:
    return int(os.environ.get("FLIGHTDECK_MONGO_PORT", "27018"))


@pytest.fixture
async def database() -> AsyncIterator[Any]:
    port = _mongo_port()
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        pytest.fail(f"ferretdb is not answering on 127.0.0.1:{port}; run deploy/local/up ({e})")
    client: AsyncMongoClient[Document] = AsyncMongoClient(
        f"mongodb://127.0.0.1:{port}/?directConnection=true", tz_aware=True
    )
    name = f"listing_{uuid.uuid4().hex[:12]}"
    try:
        yield client[name]
    finally:
        await client.drop_database(name)
        await client.close()


def task_documents(count: int = 1000, seed: int = 7) -> list[Document]:
    """Task-like rows with many ties, some missing values, and millisecond dates."""
    rng = random.Random(seed)
    rows = []
    for index in range(count):
        row: Document = {
            "_id": ObjectId(),
            "project": rng.choice(["flytesnacks", "ml", "etl"]),
            "domain": rng.choice(["development", "staging", "production"]),
            "name": f"wf.{rng.choice(['train', 'score', 'load_data', 'a.b*c', '.flytegen.x'])}",
            "version": f"v{rng.randrange(40):02}",
            "created_at": T0 + timedelta(milliseconds=rng.randrange(0, 86_400_000, 250)),
            "updated_at": T0 + timedelta(minutes=rng.randrange(30)),
        }
        if index % 9:
            row["type"] = rng.choice(["python-task", "container", "sql", "spark_job"])
        if index % 4:
            row["short_description"] = rng.choice(["", "trains a model", "100% done", "a_b"])
        rows.append(row)
    return rows


async def tasks_collection(database: Any) -> tuple[AsyncCollection[Document], list[Document]]:
    rows = task_documents()
    collection = database["tasks"]
    await ensure_indexes(collection, TASKS, TASK_IDS)
    await collection.insert_many([dict(row) for row in rows])
    return collection, rows


def oracle(schema: ListingSchema, rows: list[Document], filters: str, sort: Any) -> list[Any]:
    page, _ = select_page(plan_listing(schema, filters, sort, len(rows) + 1, ""), rows)
    return page


async def page_through(
    collection: AsyncCollection[Document],
    schema: ListingSchema,
    sort: Any,
    *,
    limit: int = 7,
    offset_every: int = 5,
) -> list[Document]:
    """Every page, replacing every ``offset_every``-th cursor with the equivalent decimal offset
    (as flytectl sends them)."""
    seen: list[Document] = []
    token, pages = "", 0
    while True:
        page = await list_documents(collection, schema, "", sort, limit, token)
        assert len(page.documents) <= limit
        seen += page.documents
        pages += 1
        if not page.token:
            assert len(page.documents) < limit or not page.documents
            return seen
        assert not page.token.isdigit()
        token = str(len(seen)) if pages % offset_every == 0 else page.token


@pytest.mark.parametrize(
    ("key", "direction"),
    [(key, (ASC, DESC)[i % 2]) for i, key in enumerate(TASK_SORT_KEYS)],
)
async def test_paging_by_every_task_sort_key_returns_each_document_once_in_order(
    database: Any, key: str, direction: int
) -> None:
    """One direction per key, alternating: FerretDB scans the collection for every page, so
    each key's 143 pages cost seconds; both directions are covered across the keys."""
    collection, rows = await tasks_collection(database)
    sort = common_pb2.Sort(key=key, direction=direction)
    seen = await page_through(collection, TASKS, sort)
    assert [row["_id"] for row in seen] == [row["_id"] for row in oracle(TASKS, rows, "", sort)]
    assert len({row["_id"] for row in seen}) == len(rows)


async def test_paging_in_the_default_order(database: Any) -> None:
    collection, rows = await tasks_collection(database)
    seen = await page_through(collection, TASKS, None, limit=13, offset_every=3)
    assert [row["_id"] for row in seen] == [row["_id"] for row in oracle(TASKS, rows, "", None)]


FILTERS = [
    "eq(project,ml)",
    "ne(type,sql)",
    "gt(created_at,2024-03-01T12:00:00Z)",
    "gte(created_at,2024-03-01T12:00:00.250Z)",
    "lt(created_at,2024-03-01T01:00:00.1254Z)",
    "lte(created_at,2024-03-01T01:00:00.2501Z)",
    "eq(created_at,2024-03-01T00:00:00.0001Z)",
    "gt(updated_at,2024-03-01T00:20:00Z)+lt(updated_at,2024-03-01T00:25:00Z)",
    "gte(version,v10)+lte(version,v19)",
    "contains(name,a.b*)",
    "contains(name,load_)",
    "contains(short_description,%)",
    "not_like(name,wf._rain)",
    "not_like(name,.flytegen%)",
    "not_like(name,%.flytegen%)",
    "not_like(short_description,%\\%%)",
    "value_in(type,sql;container)",
    "value_not_in(domain,staging;production)",
    "value_in(created_at,2024-03-01T00:00:00.0001Z)",
    "eq(task.domain,development)+ne(short_description,a_b)+contains(version,1)",
    "eq(deleted_at,2024-03-01T00:00:00Z)",
]


@pytest.mark.parametrize("filters", FILTERS)
async def test_every_filter_operator_against_real_data(database: Any, filters: str) -> None:
    collection, rows = await tasks_collection(database)
    sort = common_pb2.Sort(key="created_at", direction=ASC)
    page = await list_documents(collection, TASKS, filters, sort, 2000, "")
    expected = oracle(TASKS, rows, filters, sort)
    assert [row["_id"] for row in page.documents] == [row["_id"] for row in expected]
    assert page.token == ""


async def test_filters_and_a_base_filter_page_together(database: Any) -> None:
    collection, rows = await tasks_collection(database)
    request = common_pb2.ResourceListRequest(
        limit=4, filters="contains(name,train)", sort_by=common_pb2.Sort(key="version")
    )
    scope = {"project": "ml", "domain": "staging"}
    seen: list[Document] = []
    while True:
        page = await list_request(collection, TASKS, request, base_filter=scope)
        seen += page.documents
        if not page.token:
            break
        request.token = page.token
    scoped = [row for row in rows if all(row[k] == v for k, v in scope.items())]
    expected = oracle(TASKS, scoped, "contains(name,train)", request.sort_by)
    assert [row["_id"] for row in seen] == [row["_id"] for row in expected]
    assert seen


@pytest.mark.parametrize("direction", [ASC, DESC], ids=["asc", "desc"])
@pytest.mark.parametrize("key", ["project", "domain", "name"])
async def test_identifier_lists_page_through_distinct_names(
    database: Any, key: str, direction: int
) -> None:
    collection, rows = await tasks_collection(database)
    sort = common_pb2.Sort(key=key, direction=direction)
    seen = await page_through(collection, TASK_IDS, sort, limit=7, offset_every=2)
    assert seen == oracle(TASK_IDS, rows, "", sort)
    assert len(seen) == len({(r["project"], r["domain"], r["name"]) for r in rows})


async def test_named_entities_read_missing_state_as_active(database: Any) -> None:
    collection = database["named_entities"]
    await ensure_indexes(collection, NAMED_ENTITIES)
    rows: list[Document] = [
        {"_id": f"e{i:02}", "resource_type": 2, "project": "p", "domain": "d", "name": name} | state
        for i, (name, state) in enumerate(
            [
                ("wf.a", {}),
                ("wf.b", {"state": 0, "description": "kept"}),
                ("wf.c", {"state": 1}),
                (".flytegen.t", {"state": 2}),
                ("wf.d", {"state": None}),
                ("wf.e", {"state": 2}),
            ]
        )
    ]
    await collection.insert_many([dict(row) for row in rows])
    scope = {"resource_type": 2, "project": "p", "domain": "d"}
    for filters in ["", "eq(state,0)", "ne(named_entity_metadata.state,0)", "lt(state,2)"]:
        for key in ["state", "name", "description"]:
            for direction in (ASC, DESC):
                sort = common_pb2.Sort(key=key, direction=direction)
                seen, token = [], ""
                while True:
                    page = await list_documents(
                        collection, NAMED_ENTITIES, filters, sort, 2, token, base_filter=scope
                    )
                    seen += [row["_id"] for row in page.documents]
                    if not (token := page.token):
                        break
                expected = [row["_id"] for row in oracle(NAMED_ENTITIES, rows, filters, sort)]
                assert seen == expected, (filters, key, direction)


async def test_projects_list_without_limit_and_hide_archived_by_default(database: Any) -> None:
    collection = database["projects"]
    empty = await list_documents(collection, PROJECTS, "", None, 0, "")
    assert (empty.documents, empty.token) == ([], "0")
    await collection.insert_many(
        [
            {"_id": "b", "identifier": "b", "name": "B", "state": 0},
            {"_id": "a", "identifier": "a", "name": "A"},
            {"_id": "c", "identifier": "c", "name": "C", "state": 1},
            {"_id": "d", "identifier": "d", "name": "D", "state": 3},
        ]
    )
    page = await list_documents(collection, PROJECTS, "", None, 0, "")
    assert ([row["_id"] for row in page.documents], page.token) == (["a", "b", "d"], "")
    archived = await list_documents(collection, PROJECTS, "eq(state,1)", None, 0, "")
    assert [row["_id"] for row in archived.documents] == ["c"]
    first = await list_documents(collection, PROJECTS, "", None, 2, "")
    rest = await list_documents(collection, PROJECTS, "", None, 2, first.token)
    assert [row["_id"] for row in first.documents + rest.documents] == ["a", "b", "d"]


async def test_indexes_are_applied_idempotently(database: Any) -> None:
    collection = database["tasks"]
    names = await ensure_indexes(collection, TASKS, TASK_IDS)
    assert names == await ensure_indexes(collection, TASKS, TASK_IDS)
    existing = await collection.index_information()
    assert set(names) <= set(existing)
    assert existing["listing__project__domain__created_at___id"]["key"] == [
        ("project", 1),
        ("domain", 1),
        ("created_at", 1),
        ("_id", 1),
    ]


async def test_a_bad_request_fails_before_reaching_the_database(database: Any) -> None:
    with pytest.raises(faults.InvalidArgument, match="unrecognized filter function: like"):
        await list_documents(database["tasks"], TASKS, "like(name,x)", None, 5, "")

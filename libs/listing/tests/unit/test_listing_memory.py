"""The in-memory evaluation of a plan: SQL semantics for conditions, Mongo order, paging."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flyteidl.admin import common_pb2

from flightdeck_listing import (
    NAMED_ENTITIES,
    PROJECTS,
    TASK_IDS,
    TASKS,
    Condition,
    Function,
    ListingSchema,
    holds,
    plan_listing,
    select_page,
)

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ROWS = [
    {"_id": f"{i:03}", "name": name, "type": kind, "created_at": T0 + timedelta(hours=i)}
    for i, (name, kind) in enumerate(
        [("alpha", "python"), ("beta_x", "sql"), ("betaXx", None), ("a%b", "python"), ("g\nh", "")]
    )
]


def ids(text: str, rows: list[dict[str, Any]] = ROWS, schema: ListingSchema = TASKS) -> list[str]:
    page, _ = select_page(plan_listing(schema, text, None, 100, ""), rows)
    return [row["_id"] for row in page]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("eq(type,python)", ["000", "003"]),
        ("ne(type,python)", ["001", "004"]),  # the missing type satisfies no condition
        ("gt(created_at,2024-01-01T02:00:00Z)", ["003", "004"]),
        ("gte(created_at,2024-01-01T02:00:00Z)", ["002", "003", "004"]),
        ("lt(created_at,2024-01-01T00:00:00-01:00)", ["000"]),
        ("lte(created_at,2024-01-01T01:00:00Z)", ["000", "001"]),
        ("contains(name,ta_)", ["001"]),  # literal: `_` is no wildcard
        ("contains(name,%)", ["003"]),
        ("not_like(name,beta_x%)", ["000", "003", "004"]),  # `_` is one character
        ("not_like(name,beta\\_x)", ["000", "002", "003", "004"]),
        ("not_like(name,beta%)", ["000", "003", "004"]),
        ("not_like(name,a\\%b)", ["000", "001", "002", "004"]),  # escaped %
        ("not_like(name,g%)", ["000", "001", "002", "003"]),  # % spans newlines
        ("value_in(type,sql;)", ["001", "004"]),
        ("value_not_in(type,sql;)", ["000", "003"]),
        ("gt(name,b)+lt(name,c)", ["001", "002"]),
    ],
)
def test_every_function_in_memory(text: str, expected: list[str]) -> None:
    assert ids(text) == expected


def test_a_column_default_stands_in_for_a_missing_value() -> None:
    condition = Condition("state", Function.EQ, 0, default=0)
    assert holds(condition, None) and holds(condition, 0) and not holds(condition, 1)
    assert not holds(Condition("state", Function.EQ, 0), None)


def test_named_entities_hide_generated_names_and_read_missing_state_as_active() -> None:
    rows = [
        {"_id": "1", "name": "wf", "state": None},
        {"_id": "2", "name": ".flytegen.t", "state": 2},
        {"_id": "3", "name": "archived", "state": 1},
    ]
    assert ids("", rows, NAMED_ENTITIES) == ["3", "1"]  # by name
    assert ids("eq(state,0)", rows, NAMED_ENTITIES) == ["1"]
    assert ids("ne(named_entity_metadata.state,1)", rows, NAMED_ENTITIES) == ["2", "1"]


def test_projects_hide_archived_unless_filters_are_given() -> None:
    rows = [{"_id": "a", "identifier": "a", "state": 1}, {"_id": "b", "identifier": "b"}]
    assert ids("", rows, PROJECTS) == ["b"]
    assert ids("eq(state,1)", rows, PROJECTS) == ["a"]


def test_identifier_lists_return_distinct_names() -> None:
    rows = [
        {"_id": str(i), "project": "p", "domain": "d", "name": f"n{i % 3}", "version": str(i)}
        for i in range(9)
    ]
    plan = plan_listing(TASK_IDS, "eq(version,1)", common_pb2.Sort(key="name"), 2, "")
    page, token = select_page(plan, rows)
    assert page == [
        {"project": "p", "domain": "d", "name": "n2"},
        {"project": "p", "domain": "d", "name": "n1"},
    ]  # filters are ignored by the identifier lists
    rest, end = select_page(plan_listing(TASK_IDS, "", common_pb2.Sort(key="name"), 2, token), rows)
    assert [row["name"] for row in rest] == ["n0"] and end == ""


@pytest.mark.parametrize("direction", [common_pb2.Sort.ASCENDING, common_pb2.Sort.DESCENDING])
def test_keyset_pages_visit_every_row_once_in_order(direction: int) -> None:
    rows = [
        {"_id": f"{i:02}", "name": None if i % 4 == 0 else f"n{i % 3}", "created_at": T0}
        for i in range(20)
    ]
    sort = common_pb2.Sort(key="name", direction=direction)
    token, seen = "", []
    while True:
        page, token = select_page(plan_listing(TASKS, "", sort, 3, token), rows)
        seen += [row["_id"] for row in page]
        if not token:
            break
    everything, _ = select_page(plan_listing(TASKS, "", sort, 100, ""), rows)
    assert seen == [row["_id"] for row in everything] and len(set(seen)) == 20
    assert (everything[0]["name"] is None) == (direction == common_pb2.Sort.ASCENDING)


def test_an_offset_token_skips_rows_and_the_next_token_is_a_cursor() -> None:
    plan = plan_listing(TASKS, "", None, 2, "3")
    page, token = select_page(plan, ROWS)
    assert [row["_id"] for row in page] == ["003", "004"]
    rest, end = select_page(plan_listing(TASKS, "", None, 2, token), ROWS)
    assert rest == [] and end == ""

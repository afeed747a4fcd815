"""Conditions, positions and indexes as the Mongo adapter writes them (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from bson import ObjectId
from flyteidl.admin import common_pb2

from flightdeck_admin.store.listing import condition_filter, index_models, query_filter
from flightdeck_listing import (
    LAUNCH_PLANS,
    NAMED_ENTITIES,
    PROJECTS,
    TASK_IDS,
    TASKS,
    Condition,
    Function,
    HexId,
    next_token,
    plan_listing,
)

MOMENT = datetime(2024, 1, 1, 0, 0, 0, 1500, tzinfo=UTC)  # 1.5 ms
FLOOR = datetime(2024, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)
CEILING = datetime(2024, 1, 1, 0, 0, 0, 2000, tzinfo=UTC)
NOTHING = {"_id": {"$in": []}}


@pytest.mark.parametrize(
    ("function", "value", "expected"),
    [
        (Function.EQ, "a", {"f": "a"}),
        (Function.NE, "a", {"f": {"$nin": ["a", None]}}),
        (Function.GT, 1, {"f": {"$gt": 1}}),
        (Function.GTE, 1, {"f": {"$gte": 1}}),
        (Function.LT, 1, {"f": {"$lt": 1}}),
        (Function.LTE, 1, {"f": {"$lte": 1}}),
        (Function.CONTAINS, "a.b*", {"f": {"$regex": r"a\.b\*", "$options": "s"}}),
        (
            Function.NOT_LIKE,
            "a_%.",
            {"f": {"$not": {"$regex": r"\Aa..*\.\z", "$options": "s"}, "$ne": None}},
        ),
        (Function.VALUE_IN, ("a", "b"), {"f": {"$in": ["a", "b"]}}),
        (Function.VALUE_NOT_IN, ("a",), {"f": {"$nin": ["a", None]}}),
    ],
)
def test_each_function(function: Function, value: object, expected: dict) -> None:
    assert condition_filter(Condition("f", function, value)) == expected  # type: ignore[arg-type]


def test_a_default_satisfying_the_condition_admits_missing_fields() -> None:
    assert condition_filter(Condition("state", Function.EQ, 0, default=0)) == {
        "$or": [{"state": 0}, {"state": None}]
    }
    assert condition_filter(Condition("state", Function.EQ, 1, default=0)) == {"state": 1}


@pytest.mark.parametrize(
    ("function", "expected"),
    [
        (Function.GT, {"t": {"$gt": FLOOR}}),
        (Function.GTE, {"t": {"$gte": CEILING}}),
        (Function.LT, {"t": {"$lt": CEILING}}),
        (Function.LTE, {"t": {"$lte": FLOOR}}),
        (Function.EQ, NOTHING),
        (Function.NE, {"t": {"$ne": None}}),
    ],
)
def test_sub_millisecond_moments_select_what_millisecond_dates_would(
    function: Function, expected: dict
) -> None:
    assert condition_filter(Condition("t", function, MOMENT)) == expected


def test_sub_millisecond_moments_never_equal_a_stored_date() -> None:
    values = (MOMENT, FLOOR)
    assert condition_filter(Condition("t", Function.VALUE_IN, values)) == {"t": {"$in": [FLOOR]}}
    assert condition_filter(Condition("t", Function.VALUE_NOT_IN, values)) == {
        "t": {"$nin": [FLOOR, None]}
    }


def test_the_base_filter_stays_at_the_top_level() -> None:
    plan = plan_listing(TASKS, "eq(name,a)", None, 5, "")
    assert query_filter(plan, {"project": "p", "domain": "d"}) == {
        "project": "p",
        "domain": "d",
        "$and": [{"name": "a"}],
    }
    assert query_filter(plan_listing(TASKS, "", None, 5, ""), {"project": "p"}) == {"project": "p"}


def test_a_cursor_becomes_a_keyset_range_with_the_id_tie_breaker() -> None:
    sort = common_pb2.Sort(key="name", direction=common_pb2.Sort.ASCENDING)
    first = plan_listing(TASKS, "", sort, 1, "")
    oid = ObjectId()
    token = next_token(first, 1, ("n", HexId(str(oid))))
    query = query_filter(plan_listing(TASKS, "", sort, 1, token))
    assert query == {
        "$and": [
            {"name": {"$gte": "n"}},
            {"$or": [{"name": {"$gt": "n"}}, {"$and": [{"name": "n"}, {"_id": {"$gt": oid}}]}]},
        ]
    }


def test_newest_first_pages_start_their_index_range_at_the_cursor() -> None:
    sort = common_pb2.Sort(key="created_at")
    moment = datetime(2026, 12, 5, tzinfo=UTC)
    token = next_token(plan_listing(TASKS, "", sort, 1, ""), 1, (moment, "i"))
    bound, position = query_filter(plan_listing(TASKS, "", sort, 1, token))["$and"]
    assert bound == {"created_at": {"$lte": moment}}
    assert position["$or"][1] == {"$and": [{"created_at": moment}, {"_id": {"$lt": "i"}}]}


def test_descending_positions_admit_missing_values_which_sort_last() -> None:
    sort = common_pb2.Sort(key="name")
    token = next_token(plan_listing(TASKS, "", sort, 1, ""), 1, ("n", "i"))
    (position,) = query_filter(plan_listing(TASKS, "", sort, 1, token))["$and"]
    assert position["$or"][0] == {"$or": [{"name": {"$lt": "n"}}, {"name": None}]}
    after_missing = next_token(plan_listing(TASKS, "", sort, 1, ""), 1, (None, "i"))
    (position,) = query_filter(plan_listing(TASKS, "", sort, 1, after_missing))["$and"]
    assert position == {"$or": [{"$and": [{"name": None}, {"_id": {"$lt": "i"}}]}]}


def index_keys(schema) -> list[list[str]]:
    return [list(model.document["key"]) for model in index_models(schema)]


def test_every_stored_column_has_a_scoped_index_ending_in_id() -> None:
    keys = index_keys(TASKS)
    assert ["project", "domain", "created_at", "_id"] in keys
    assert ["project", "domain", "name", "_id"] in keys
    assert ["project", "domain", "_id"] in keys
    assert all(key[-1] == "_id" and key[:2] == ["project", "domain"] for key in keys)
    assert not any("closure" in key for key in keys)


def test_joined_and_metadata_columns_are_indexed_too() -> None:
    assert ["project", "domain", "workflow_name", "_id"] in index_keys(LAUNCH_PLANS)
    assert ["resource_type", "project", "domain", "state", "_id"] in index_keys(NAMED_ENTITIES)
    assert ["identifier", "_id"] in index_keys(PROJECTS)


def test_identifier_lists_index_their_groups() -> None:
    (model,) = index_models(TASK_IDS)
    assert model.document == {
        "key": {"project": 1, "domain": 1, "name": 1},
        "name": "listing__project__domain__name",
    }

"""sort_by, limit and page tokens: the reference's rules and messages, and keyset cursors."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from flyteidl.admin import common_pb2, project_pb2

from flightdeck_listing import (
    LAUNCH_PLAN_IDS,
    PROJECTS,
    TASK_DESCRIPTION_ENTITIES,
    TASK_IDS,
    TASKS,
    WORKFLOWS,
    HexId,
    ListingPlan,
    ListingSchema,
    arguments_of,
    next_token,
    plan_listing,
)
from flightdeck_platform import faults

ASC, DESC = common_pb2.Sort.ASCENDING, common_pb2.Sort.DESCENDING


def plan(
    schema: ListingSchema = TASKS,
    *,
    sort: common_pb2.Sort | None = None,
    limit: int = 7,
    token: str = "",
    filters: str = "",
) -> ListingPlan:
    return plan_listing(schema, filters, sort, limit, token)


def rejected(**kwargs: object) -> str:
    with pytest.raises(faults.InvalidArgument) as raised:
        plan(**kwargs)  # type: ignore[arg-type]
    return raised.value.message


def full_page_token(listing: ListingPlan, last: tuple[object, ...]) -> str:
    assert listing.limit is not None
    return next_token(listing, listing.limit, last)  # type: ignore[arg-type]


def test_sort_by_a_column_descending_by_default() -> None:
    ordering = plan(sort=common_pb2.Sort(key="name")).ordering
    assert (ordering.key, ordering.ascending, ordering.fields) == ("name", False, ("name", "_id"))


def test_sort_ascending() -> None:
    assert plan(sort=common_pb2.Sort(key="version", direction=ASC)).ordering.ascending


def test_without_sort_by_documents_come_oldest_first_then_by_id() -> None:
    ordering = plan().ordering
    assert (ordering.key, ordering.ascending, ordering.fields) == (
        "created_at",
        True,
        ("created_at", "_id"),
    )


def test_projects_default_to_identifier_ascending() -> None:
    ordering = plan(PROJECTS).ordering
    assert (ordering.key, ordering.ascending) == ("identifier", True)


@pytest.mark.parametrize("key", ["nope", "", "closure", "id", "workflow_name"])
def test_sort_keys_must_be_stored_columns(key: str) -> None:
    assert rejected(sort=common_pb2.Sort(key=key)) == f"invalid sort key '{key}'"


def test_identifier_lists_sort_only_by_the_grouped_columns() -> None:
    ordering = plan(TASK_IDS, sort=common_pb2.Sort(key="domain", direction=ASC)).ordering
    assert ordering.fields == ("domain", "project", "name")
    message = rejected(schema=TASK_IDS, sort=common_pb2.Sort(key="created_at"))
    assert message == "invalid sort key 'created_at'"


def test_description_entities_sort_by_their_own_columns() -> None:
    assert plan(TASK_DESCRIPTION_ENTITIES, sort=common_pb2.Sort(key="link")).ordering.key == "link"


def test_an_unknown_direction_is_rejected() -> None:
    message = rejected(sort=common_pb2.Sort(key="name", direction=5))
    assert message == 'invalid sort order specified: key:"name" direction:5'


def test_limit_is_required() -> None:
    assert rejected(limit=0) == "invalid value for limit"


def test_launch_plan_ids_word_the_missing_limit_like_their_repository() -> None:
    assert rejected(schema=LAUNCH_PLAN_IDS, limit=0) == "missing and/or invalid parameters: limit"


def test_projects_take_limit_zero_as_no_limit() -> None:
    assert plan(PROJECTS, limit=0).limit is None


@pytest.mark.parametrize(("token", "offset"), [("", 0), ("0", 0), ("14", 14), ("+7", 7), ("-0", 0)])
def test_decimal_offset_tokens(token: str, offset: int) -> None:
    start = plan(token=token).start
    assert (start.offset, start.after) == (offset, None)


@pytest.mark.parametrize("token", ["-1", "abc", "1.5", " 1", "9223372036854775808", "eyJ2Ijo"])
def test_bad_tokens_name_the_token_and_the_rpc(token: str) -> None:
    assert rejected(token=token) == f"invalid pagination token {token} for ListTasks"


def test_launch_plan_ids_report_bad_tokens_without_an_rpc_name() -> None:
    assert rejected(schema=LAUNCH_PLAN_IDS, token="x") == "invalid pagination token x"


LAST = (datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC), HexId("65f0c0ffee0123456789abcd"))


def test_a_full_page_yields_a_cursor_that_resumes_after_its_last_row() -> None:
    first = plan()
    token = full_page_token(first, LAST)
    assert not token.isdigit() and "=" not in token
    assert plan(token=token).start.after == LAST


@pytest.mark.parametrize(
    "last",
    [
        ("name", "text-id"),
        (None, 17),
        (1.5, True),
        ("ünïcødé ✓", "a+b/c=d"),
    ],
)
def test_cursor_values_round_trip_with_their_types(last: tuple[object, ...]) -> None:
    sort = common_pb2.Sort(key="name", direction=ASC)
    token = full_page_token(plan(sort=sort), last)
    after = plan(sort=sort, token=token).start.after
    assert after == last
    assert [type(value) for value in after or ()] == [type(value) for value in last]


def test_a_cursor_is_bound_to_its_sort_and_listing() -> None:
    token = full_page_token(plan(sort=common_pb2.Sort(key="name", direction=ASC)), ("n", "i"))
    expected = f"invalid pagination token {token} for ListTasks"
    assert rejected(sort=common_pb2.Sort(key="name", direction=DESC), token=token) == expected
    assert rejected(sort=common_pb2.Sort(key="version", direction=ASC), token=token) == expected
    with pytest.raises(faults.InvalidArgument, match="for ListWorkflows"):
        plan(WORKFLOWS, sort=common_pb2.Sort(key="name", direction=ASC), token=token)


def test_a_tampered_cursor_is_rejected() -> None:
    token = full_page_token(plan(), LAST)
    body = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for change in ({"c": [["i", 1]]}, {"c": [["x", 1], ["n"]]}, {"c": [{"$gt": ""}, ["n"]]}):
        forged = base64.urlsafe_b64encode(json.dumps({**body, **change}).encode()).decode()
        assert rejected(token=forged) == f"invalid pagination token {forged} for ListTasks"


def test_a_short_page_ends_the_listing() -> None:
    assert next_token(plan(), 6, ("n", "i")) == ""


def test_projects_without_limit_return_no_token_unless_nothing_came_back() -> None:
    assert next_token(plan(PROJECTS, limit=0), 3, ("p", "i")) == ""
    assert next_token(plan(PROJECTS, limit=0), 0, None) == "0"
    assert next_token(plan(PROJECTS, limit=0, token="5"), 0, None) == "5"


def test_checks_run_limit_filters_sort_token_in_that_order() -> None:
    bad = {"limit": 0, "filters": "x", "sort": common_pb2.Sort(key="x"), "token": "x"}
    assert rejected(**bad) == "invalid value for limit"
    assert rejected(**{**bad, "limit": 1}).startswith("invalid value for filters")
    assert rejected(**{**bad, "limit": 1, "filters": ""}) == "invalid sort key 'x'"


def test_arguments_are_read_off_any_list_request() -> None:
    request = common_pb2.ResourceListRequest(limit=3, token="6", filters="eq(name,a)")
    arguments = arguments_of(request)
    assert (arguments.filters, arguments.sort_by, arguments.limit, arguments.token) == (
        "eq(name,a)",
        None,
        3,
        "6",
    )
    with_sort = project_pb2.ProjectListRequest(sort_by=common_pb2.Sort(key="name"))
    assert arguments_of(with_sort).sort_by == common_pb2.Sort(key="name")
    ids = common_pb2.NamedEntityIdentifierListRequest(project="p", limit=1)
    assert arguments_of(ids).filters == ""

"""The reference filter grammar: expressions, entity prefixes, functions and their errors."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from flightdeck_listing import (
    ACTIVE_LAUNCH_PLANS,
    LAUNCH_PLANS,
    NAMED_ENTITIES,
    PROJECTS,
    TASKS,
    Condition,
    Function,
    description_entities,
)
from flightdeck_listing.conditions import request_filters, resolve_filters
from flightdeck_platform import faults


def resolve(text: str, schema=TASKS) -> tuple[Condition, ...]:
    return resolve_filters(schema, text)


def rejects(text: str, message: str, schema=TASKS) -> None:
    with pytest.raises(faults.InvalidArgument) as raised:
        resolve(text, schema)
    assert raised.value.message == message


@pytest.mark.parametrize(
    ("text", "function", "value"),
    [
        ("eq(name,wf)", Function.EQ, "wf"),
        ("ne(name,wf)", Function.NE, "wf"),
        ("gt(version,v1)", Function.GT, "v1"),
        ("gte(version,v1)", Function.GTE, "v1"),
        ("lt(version,v1)", Function.LT, "v1"),
        ("lte(version,v1)", Function.LTE, "v1"),
        ("contains(name,flyte)", Function.CONTAINS, "flyte"),
        ("not_like(name,.flytegen%)", Function.NOT_LIKE, ".flytegen%"),
        ("value_in(name,a;b;c)", Function.VALUE_IN, ("a", "b", "c")),
        ("value_not_in(name,a;b)", Function.VALUE_NOT_IN, ("a", "b")),
    ],
)
def test_every_function_is_parsed(text: str, function: Function, value: object) -> None:
    (condition,) = resolve(text)
    assert (condition.function, condition.value) == (function, value)


def test_expressions_joined_by_plus_are_anded_in_order() -> None:
    conditions = resolve("eq(project,p)+eq(domain, d)+contains(task.name,x)")
    assert [(c.field, c.value) for c in conditions] == [
        ("project", "p"),
        ("domain", "d"),
        ("name", "x"),
    ]


def test_one_optional_space_after_the_comma_is_dropped_a_second_is_kept() -> None:
    assert resolve("eq(name, a)")[0].value == "a"
    assert resolve("eq(name,  a)")[0].value == " a"


def test_value_in_with_one_value_is_a_one_element_list() -> None:
    assert resolve("value_in(name,a)")[0].value == ("a",)


def test_semicolons_are_literal_outside_the_list_functions() -> None:
    assert resolve("eq(name,a;b)")[0].value == "a;b"


def test_the_greedy_field_group_takes_an_earlier_comma() -> None:
    rejects("eq(name,a,b)", "'t.name,a' is invalid filter")


def test_trailing_text_after_the_expression_is_ignored_like_the_reference() -> None:
    assert resolve("eq(name,a)zzz")[0].value == "a"


@pytest.mark.parametrize("text", ["name=a", "eq(name)", "eq(,a)", "eq(name,)", "eq(name,a)+"])
def test_malformed_expressions_name_the_expression(text: str) -> None:
    bad = text.split("+")[-1] if text.endswith("+") else text
    rejects(text, f"invalid value for filters: {bad!r}")


def test_an_unknown_function_is_reported_after_the_column_check() -> None:
    rejects("startswith(name,a)", "unrecognized filter function: startswith")
    rejects("startswith(nope,a)", "'t.nope' is invalid filter")


def test_an_entity_not_joined_to_the_listing_is_named_by_its_code() -> None:
    rejects("eq(workflow.name,a)", "'w' entity is not allowed in filters")
    rejects("eq(execution.phase,RUNNING)", "'e' entity is not allowed in filters")
    rejects("eq(named_entity_metadata.state,0)", "'nem' entity is not allowed in filters")


def test_an_unknown_column_is_named_with_its_entity_code() -> None:
    rejects("eq(colour,red)", "'t.colour' is invalid filter")
    rejects("eq(task.colour,red)", "'t.colour' is invalid filter")
    rejects("eq(launch_plan.colour,red)", "'l.colour' is invalid filter", LAUNCH_PLANS)


def test_an_unknown_prefix_stays_part_of_the_column() -> None:
    rejects("eq(tasks.name,a)", "'t.tasks.name' is invalid filter")


def test_columns_kept_only_in_the_blob_are_invalid_filters() -> None:
    rejects("eq(closure,x)", "'t.closure' is invalid filter")
    rejects("eq(id,5)", "'t.id' is invalid filter")


def test_the_primary_entity_prefix_is_accepted() -> None:
    assert resolve("eq(task.type,python)")[0].field == "type"


def test_launch_plans_filter_on_the_denormalized_workflow_columns() -> None:
    conditions = resolve("eq(workflow.name,wf)+eq(launch_plan.name,lp)", LAUNCH_PLANS)
    assert [c.field for c in conditions] == ["workflow_name", "name"]
    rejects("eq(workflow.typed_interface,x)", "'w.typed_interface' is invalid filter", LAUNCH_PLANS)


def test_named_entities_read_metadata_columns_with_their_default() -> None:
    for text in ("eq(state,0)", "eq(named_entity_metadata.state,0)", "eq(entities.state,0)"):
        (condition,) = resolve(text, NAMED_ENTITIES)
        assert (condition.field, condition.value, condition.default) == ("state", 0, 0)


def test_text_functions_are_refused_on_non_text_columns() -> None:
    rejects(
        "contains(state,1)",
        "filter function contains cannot be applied to 'p.state'",
        PROJECTS,
    )


def test_timestamps_are_converted_for_every_list_item() -> None:
    (condition,) = resolve("value_in(created_at,2024-01-01T00:00:00Z;2024-01-02T00:00:00Z)")
    assert condition.value == (
        datetime(2024, 1, 1, tzinfo=UTC),
        datetime(2024, 1, 2, tzinfo=UTC),
    )


def test_a_plus_inside_a_value_splits_the_expression_as_in_the_reference() -> None:
    rejects(
        "lt(created_at,2024-01-01T01:00:00+00:00)",
        "invalid value for filters: 'lt(created_at,2024-01-01T01:00:00'",
    )


def test_a_bad_value_names_the_column_of_the_listing() -> None:
    rejects(
        "eq(state,ARCHIVED)",
        "invalid value 'ARCHIVED' for filter 'p.state': expected an integer",
        PROJECTS,
    )


def test_description_entity_filters_name_the_task_or_workflow_entity() -> None:
    tasks, workflows = description_entities(1), description_entities(2)
    assert resolve("eq(short_description,x)", tasks)[0].field == "short_description"
    assert resolve("eq(workflow.version,v1)", workflows)[0].field == "version"
    rejects("eq(link,x)", "'t.link' is invalid filter", tasks)  # not a task column
    rejects("eq(type,x)", "'t.type' is invalid filter", tasks)  # not stored with descriptions
    rejects("eq(task.name,x)", "'t' entity is not allowed in filters", workflows)
    assert description_entities(0) is tasks


def test_listings_without_request_filters_use_only_their_implicit_ones() -> None:
    assert request_filters(ACTIVE_LAUNCH_PLANS, "eq(name,x)") == ""
    assert request_filters(NAMED_ENTITIES, "") == "not_like(name,.flytegen%)"
    assert request_filters(NAMED_ENTITIES, "eq(name,x)") == "eq(name,x)"
    assert request_filters(PROJECTS, "") == "ne(state,1)"

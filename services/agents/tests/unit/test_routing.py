"""Routing rules and the deprecated protocol's mapping, pure."""

from __future__ import annotations

import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2
from flyteidl.service import external_plugin_service_pb2 as legacy

from flightdeck_agents.domain import legacy as rules
from flightdeck_agents.domain.routing import Category, Routing, categories_of
from flightdeck_platform import faults

SENSOR = agent_pb2.Agent(name="Sensor", supported_task_categories=[{"name": "sensor"}])
OLD = agent_pb2.Agent(name="Old", supported_task_types=["bigquery_query_job_task"])


def routing(**overrides: object) -> Routing:
    values: dict[str, object] = {
        "reports": {"a": [SENSOR], "b": [SENSOR, OLD]},
        "order": ["a", "b", "c"],
        "task_types": {},
    }
    return Routing(**{**values, **overrides})  # type: ignore[arg-type]


def test_the_first_configured_server_that_supports_a_category_serves_it() -> None:
    assert routing().server_for(Category("sensor")) == "a"


def test_an_agent_listing_only_task_types_supports_their_version_zero() -> None:
    assert categories_of(OLD) == [Category("bigquery_query_job_task")]
    assert routing().server_for(Category("bigquery_query_job_task")) == "b"
    assert routing().server_for(Category("bigquery_query_job_task", 1)) is None


def test_the_operator_s_task_type_mapping_comes_first_then_the_default() -> None:
    assert routing(task_types={"sensor": "c"}).server_for(Category("sensor")) == "c"
    assert routing(default_server="c").server_for(Category("unknown")) == "c"
    assert routing().server_for(Category("unknown")) is None


def test_agents_are_listed_in_server_order_and_found_by_name() -> None:
    assert [a.name for a in routing().agents()] == ["Sensor", "Sensor", "Old"]
    assert routing().agent_named("Old") == OLD
    assert routing().agent_named("nope") is None


@pytest.mark.parametrize(
    ("resource", "state"),
    [
        (agent_pb2.Resource(phase=execution_pb2.TaskExecution.QUEUED), legacy.PENDING),
        (agent_pb2.Resource(phase=execution_pb2.TaskExecution.RUNNING), legacy.RUNNING),
        (agent_pb2.Resource(phase=execution_pb2.TaskExecution.SUCCEEDED), legacy.SUCCEEDED),
        (agent_pb2.Resource(phase=execution_pb2.TaskExecution.FAILED), legacy.PERMANENT_FAILURE),
        (
            agent_pb2.Resource(phase=execution_pb2.TaskExecution.RETRYABLE_FAILED),
            legacy.RETRYABLE_FAILURE,
        ),
        (agent_pb2.Resource(state=agent_pb2.RUNNING), legacy.RUNNING),
    ],
)
def test_phases_fold_into_the_old_states(resource: agent_pb2.Resource, state: int) -> None:
    assert rules.state_of(resource) == state


def test_job_ids_carry_any_resource_meta_and_refuse_foreign_ones() -> None:
    meta = b'{"a": 1}\x00\xff'
    assert rules.resource_meta(rules.job_id(meta)) == meta
    with pytest.raises(faults.InvalidField, match="job_id"):
        rules.resource_meta("not base64!")

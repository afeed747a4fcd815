"""Which matchable record applies (admin.md §6.2) and the launch-time execution config merge
(admin.md §6.3)."""

from __future__ import annotations

import random

import pytest
from flyteidl.admin import cluster_assignment_pb2, common_pb2, execution_pb2, launch_plan_pb2
from flyteidl.admin import matchable_resource_pb2 as mr
from flyteidl.core import execution_envs_pb2, security_pb2
from google.protobuf import wrappers_pb2

from flightdeck_admin.domain.attributes import (
    AttributeKey,
    MatchableRecord,
    UnrecognizedMatchingAttributes,
    fill_unset,
    first_set_wins,
    listing_order,
    record_of,
    resolve,
    select,
    updated,
)
from flightdeck_admin.domain.errors import EntityNotFound, MissingField

TASK = mr.MatchableResource.TASK_RESOURCE
QUEUE = mr.MatchableResource.EXECUTION_QUEUE


def _queue(tag: str) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(execution_queue_attributes=mr.ExecutionQueueAttributes(tags=[tag]))


def _record(*scope: str, resource_type: int = QUEUE) -> MatchableRecord:
    return MatchableRecord(AttributeKey(resource_type, *scope), _queue("/".join(scope)))


RECORDS = [
    _record("p"),
    _record("p", "d"),
    _record("p", "d", "wf"),
    _record("p", "d", "wf", "lp"),
    _record("p", "other-domain", "wf"),
    _record("p", "d", "other-wf"),
    _record("other-project", "d"),
    _record("p", "d", "wf", "lp", resource_type=TASK),
]


@pytest.mark.parametrize(
    ("query", "winner"),
    [
        (("p", "d", "wf", "lp"), "p/d/wf/lp"),
        (("p", "d", "wf", "other-lp"), "p/d/wf"),
        (("p", "d", "wf"), "p/d/wf"),
        (("p", "d", "third-wf"), "p/d"),
        (("p", "d"), "p/d"),
        (("p", "staging"), "p"),
        (("p", "staging", "wf"), "p"),
        (("p",), "p"),
        (("other-project", "d", "wf"), "other-project/d"),
    ],
)
def test_the_most_specific_covering_record_wins(query: tuple[str, ...], winner: str) -> None:
    shuffled = random.Random(7).sample(RECORDS, len(RECORDS))
    effective = resolve(shuffled, AttributeKey(QUEUE, *query))
    assert list(effective.execution_queue_attributes.tags) == [winner]


def test_records_of_another_type_never_apply() -> None:
    assert select(RECORDS, AttributeKey(TASK, "p", "d", "wf", "lp")).key.resource_type == TASK
    with pytest.raises(EntityNotFound):
        select(RECORDS, AttributeKey(TASK, "p", "d", "wf"))


def test_nothing_covering_is_not_found_naming_the_request() -> None:
    with pytest.raises(EntityNotFound) as raised:
        select(RECORDS, AttributeKey(QUEUE, "third-project", "d", "wf"))
    assert raised.value.message == (
        "Resource [{Project:third-project Domain:d Workflow:wf LaunchPlan: "
        "ResourceType:EXECUTION_QUEUE}] not found"
    )


@pytest.mark.parametrize(
    ("scope", "priority"),
    [(("p",), 5), (("p", "d"), 10), (("p", "d", "wf"), 100), (("p", "d", "wf", "lp"), 1000)],
)
def test_priorities_by_level(scope: tuple[str, ...], priority: int) -> None:
    assert AttributeKey(QUEUE, *scope).priority == priority


def test_listing_is_priority_descending_then_by_key() -> None:
    ordered = listing_order(
        [_record("p"), _record("b", "d"), _record("p", "d", "wf"), _record("a", "d")]
    )
    assert [record.key.scope() for record in ordered] == [
        ("p", "d", "wf", ""),
        ("a", "d", "", ""),
        ("b", "d", "", ""),
        ("p", "", "", ""),
    ]


RT = mr.MatchableResource


@pytest.mark.parametrize(
    ("member", "value", "resource_type"),
    [
        ("task_resource_attributes", mr.TaskResourceAttributes(), RT.TASK_RESOURCE),
        ("cluster_resource_attributes", mr.ClusterResourceAttributes(), RT.CLUSTER_RESOURCE),
        ("execution_queue_attributes", mr.ExecutionQueueAttributes(), RT.EXECUTION_QUEUE),
        ("execution_cluster_label", mr.ExecutionClusterLabel(), RT.EXECUTION_CLUSTER_LABEL),
        ("plugin_overrides", mr.PluginOverrides(), RT.PLUGIN_OVERRIDE),
        ("workflow_execution_config", mr.WorkflowExecutionConfig(), RT.WORKFLOW_EXECUTION_CONFIG),
        ("cluster_assignment", cluster_assignment_pb2.ClusterAssignment(), RT.CLUSTER_ASSIGNMENT),
    ],
)
def test_the_type_is_the_member_set(member: str, value: object, resource_type: int) -> None:
    record = record_of(mr.MatchingAttributes(**{member: value}), "p", "d", "wf")  # type: ignore[arg-type]
    assert record.key == AttributeKey(resource_type, "p", "d", "wf")


@pytest.mark.parametrize(
    "matching",
    [mr.MatchingAttributes(), mr.MatchingAttributes(quality_of_service={"tier": 1})],
)
def test_quality_of_service_or_nothing_is_unrecognized(matching: mr.MatchingAttributes) -> None:
    with pytest.raises(UnrecognizedMatchingAttributes) as raised:
        record_of(matching, "p", "d", "wf")
    assert raised.value.message == "Unrecognized matching attributes type for request p-d-wf"


def test_absent_matching_attributes_are_missing() -> None:
    with pytest.raises(MissingField, match="missing matching_attributes"):
        record_of(None, "p")


def _overrides(*pairs: tuple[str, str]) -> mr.MatchingAttributes:
    return mr.MatchingAttributes(
        plugin_overrides=mr.PluginOverrides(
            overrides=[mr.PluginOverride(task_type=t, plugin_id=[p]) for t, p in pairs]
        )
    )


def test_plugin_overrides_merge_by_task_type() -> None:
    merged = updated(
        _overrides(("spark", "a"), ("ray", "b")), _overrides(("ray", "c"), ("dask", "d"))
    )
    pairs = [(o.task_type, list(o.plugin_id)) for o in merged.plugin_overrides.overrides]
    assert pairs == [("spark", ["a"]), ("ray", ["c"]), ("dask", ["d"])]


def test_other_types_and_first_writes_are_replaced_whole() -> None:
    assert updated(_queue("old"), _queue("new")) == _queue("new")
    assert updated(None, _overrides(("ray", "c"))) == _overrides(("ray", "c"))


WEC = mr.WorkflowExecutionConfig


def _run_as(**identity: str) -> security_pb2.SecurityContext:
    return security_pb2.SecurityContext(run_as=security_pb2.Identity(**identity))


def _labels(**values: str) -> common_pb2.Labels:
    return common_pb2.Labels(values=values)


def _envs(**values: str) -> common_pb2.Envs:
    return common_pb2.Envs(values=[{"key": k, "value": v} for k, v in values.items()])  # type: ignore[misc]


ENV_ASSIGNMENT = execution_envs_pb2.ExecutionEnvAssignment(node_ids=["n0"])


NOBODY = security_pb2.SecurityContext()
ROLE = WEC(security_context=_run_as(iam_role="r"))
ACCOUNT = WEC(security_context=_run_as(k8s_service_account="sa"))
ME = WEC(security_context=_run_as(execution_identity="me"))
BUCKET = WEC(raw_output_data_config={"output_location_prefix": "s3://b"})
NO_BUCKET = WEC(raw_output_data_config=common_pb2.RawOutputDataConfig())
ANNOTATED = WEC(annotations={"values": {"a": "1"}})
NOT_INTERRUPTIBLE = WEC(interruptible=wrappers_pb2.BoolValue(value=False))
INTERRUPTIBLE = WEC(interruptible=wrappers_pb2.BoolValue(value=True))
ASSIGNED = WEC(execution_env_assignments=[ENV_ASSIGNMENT])


@pytest.mark.parametrize(
    ("higher", "lower", "expected"),
    [
        (WEC(max_parallelism=3), WEC(max_parallelism=7), WEC(max_parallelism=3)),
        (WEC(), WEC(max_parallelism=7), WEC(max_parallelism=7)),
        (WEC(max_parallelism=-1), WEC(max_parallelism=7), WEC(max_parallelism=7)),
        (WEC(security_context=_run_as()), ROLE, ROLE),
        (WEC(security_context=NOBODY), ACCOUNT, ACCOUNT),
        (ME, ROLE, ME),
        (NO_BUCKET, BUCKET, BUCKET),
        (WEC(labels=_labels()), WEC(labels=_labels(a="1")), WEC(labels=_labels(a="1"))),
        (WEC(labels=_labels(b="2")), WEC(labels=_labels(a="1")), WEC(labels=_labels(b="2"))),
        (WEC(annotations=common_pb2.Annotations()), ANNOTATED, ANNOTATED),
        (WEC(envs=_envs()), WEC(envs=_envs(A="1")), WEC(envs=_envs(A="1"))),
        (WEC(envs=_envs(B="2")), WEC(envs=_envs(A="1")), WEC(envs=_envs(B="2"))),
        (NOT_INTERRUPTIBLE, INTERRUPTIBLE, NOT_INTERRUPTIBLE),
        (WEC(), INTERRUPTIBLE, INTERRUPTIBLE),
        (WEC(overwrite_cache=False), WEC(overwrite_cache=True), WEC(overwrite_cache=True)),
        (WEC(), ASSIGNED, ASSIGNED),
    ],
)
def test_first_set_value_wins_per_field(higher: WEC, lower: WEC, expected: WEC) -> None:
    assert first_set_wins([higher, lower]) == expected


def test_fields_come_from_different_layers_of_any_spec_kind() -> None:
    request = execution_pb2.ExecutionSpec(max_parallelism=4)
    plan = launch_plan_pb2.LaunchPlanSpec(
        max_parallelism=9, labels=_labels(team="ml"), raw_output_data_config={}
    )
    workflow_level = WEC(
        security_context=_run_as(k8s_service_account="wf-sa"), overwrite_cache=True
    )
    project_level = WEC(
        security_context=_run_as(k8s_service_account="p-sa"),
        raw_output_data_config={"output_location_prefix": "s3://p"},
    )
    defaults = WEC(max_parallelism=25, annotations={"values": {"x": "y"}})
    assert first_set_wins([request, plan, workflow_level, project_level, defaults]) == WEC(
        max_parallelism=4,
        labels=_labels(team="ml"),
        security_context=_run_as(k8s_service_account="wf-sa"),
        overwrite_cache=True,
        raw_output_data_config={"output_location_prefix": "s3://p"},
        annotations={"values": {"x": "y"}},
    )


def test_fill_unset_keeps_a_present_security_context_of_the_target() -> None:
    target = WEC(security_context=NOBODY)
    filled = fill_unset(target, WEC(security_context=_run_as(iam_role="r"), max_parallelism=2))
    assert filled == WEC(security_context=NOBODY, max_parallelism=2)
    assert target == WEC(security_context=NOBODY)


def test_no_layers_give_an_empty_config() -> None:
    assert first_set_wins([]) == WEC()

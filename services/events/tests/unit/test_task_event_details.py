"""How a task attempt's log links, custom info and plugin metadata absorb later events."""

from __future__ import annotations

from typing import Any

from flyteidl.core import catalog_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.event import event_pb2
from google.protobuf import json_format
from google.protobuf.struct_pb2 import Struct

Phase = core_execution_pb2.TaskExecution.Phase
Log = core_execution_pb2.TaskLog
Resource = event_pb2.ExternalResourceInfo
Metadata = event_pb2.TaskExecutionMetadata


def _links(logs: Any) -> list[tuple[str, str]]:
    return [(log.uri, log.name) for log in logs]


def _struct(value: dict[str, Any]) -> Struct:
    struct = Struct()
    struct.update(value)
    return struct


def _custom_info(events: Any, *patches: dict[str, Any]) -> dict[str, Any]:
    requests = [
        events.task(Phase.RUNNING, i, phase_version=i, custom_info=_struct(patch))
        for i, patch in enumerate(patches)
    ]
    return json_format.MessageToDict(events.run_task(*requests).task.closure.custom_info)


def test_new_links_come_first_and_replace_links_with_their_uri_or_name(events) -> None:
    record = events.run_task(
        events.task(
            Phase.RUNNING,
            0,
            phase_version=0,
            logs=[Log(uri="u1", name="a"), Log(uri="u2", name="b"), Log(uri="u3", name="c")],
        ),
        events.task(
            Phase.RUNNING,
            1,
            phase_version=1,
            logs=[Log(uri="u1", name="a2"), Log(uri="u9", name="b")],
        ),
    )
    assert _links(record.task.closure.logs) == [("u1", "a2"), ("u9", "b"), ("u3", "c")]


def test_unnamed_links_are_matched_by_uri_only(events) -> None:
    record = events.run_task(
        events.task(Phase.RUNNING, 0, logs=[Log(uri="u1"), Log(uri="u2", name="b")]),
        events.task(Phase.RUNNING, 1, phase_version=1, logs=[Log(uri="u3")]),
    )
    assert _links(record.task.closure.logs) == [("u3", ""), ("u1", ""), ("u2", "b")]


def test_an_event_without_links_keeps_the_stored_ones(events) -> None:
    record = events.run_task(
        events.task(Phase.RUNNING, 0, logs=[Log(uri="u1", name="a")]),
        events.task(Phase.RUNNING, 1, phase_version=1),
    )
    assert _links(record.task.closure.logs) == [("u1", "a")]


def test_finished_attempts_hide_the_links_marked_so(events) -> None:
    record = events.run_task(
        events.task(
            Phase.RUNNING,
            0,
            phase_version=0,
            logs=[Log(uri="live", HideOnceFinished=True), Log(uri="archive")],
        ),
        events.task(Phase.FAILED, 1, phase_version=1),
    )
    assert _links(record.task.closure.logs) == [("archive", "")]


def test_waiting_attempts_show_only_the_links_marked_so(events) -> None:
    logs = [Log(uri="pending", ShowWhilePending=True), Log(uri="pod")]
    for phase in (Phase.QUEUED, Phase.INITIALIZING):
        record = events.run_task(events.task(Phase.UNDEFINED, 0, logs=logs), events.task(phase, 1))
        assert _links(record.task.closure.logs) == [("pending", "")]
    record = events.run_task(
        events.task(Phase.UNDEFINED, 0, logs=logs),
        events.task(Phase.RUNNING, 1, phase_version=1),
    )
    assert _links(record.task.closure.logs) == [("pending", ""), ("pod", "")]


def test_custom_info_merges_as_a_json_merge_patch(events) -> None:
    merged = _custom_info(
        events,
        {"keep": 1, "replace": "old", "drop": True, "nested": {"a": 1, "b": 2}},
        {"replace": "new", "drop": None, "nested": {"b": None, "c": 3}, "added": [1, None]},
    )
    assert merged == {
        "keep": 1,
        "replace": "new",
        "nested": {"a": 1, "c": 3},
        "added": [1, None],
    }


def test_custom_info_objects_replace_scalars_without_their_nulls(events) -> None:
    merged = _custom_info(events, {"x": 1}, {"x": {"y": 2, "z": None}})
    assert merged == {"x": {"y": 2}}


def test_custom_info_is_taken_whole_when_none_is_stored(events) -> None:
    assert _custom_info(events, {"a": 1}) == {"a": 1}
    record = events.run_task(
        events.task(Phase.RUNNING, 0, custom_info=_struct({"a": 1})),
        events.task(Phase.RUNNING, 1, phase_version=1),
    )
    assert json_format.MessageToDict(record.task.closure.custom_info) == {"a": 1}


def test_plugin_metadata_changes_only_where_given(events) -> None:
    pool = event_pb2.ResourcePoolInfo(allocation_token="t1", namespace="ns")
    record = events.run_task(
        events.task(
            Phase.RUNNING,
            0,
            phase_version=0,
            metadata=Metadata(
                generated_name="gen",
                plugin_identifier="k8s",
                instance_class=Metadata.INTERRUPTIBLE,
                resource_pool_info=[pool],
            ),
        ),
        events.task(Phase.RUNNING, 1, phase_version=1, metadata=Metadata()),
    )
    metadata = record.task.closure.metadata
    assert metadata.generated_name == "gen"
    assert metadata.plugin_identifier == "k8s"
    assert metadata.instance_class == Metadata.INTERRUPTIBLE
    assert list(metadata.resource_pool_info) == []


def test_plugin_metadata_arriving_late_is_taken(events) -> None:
    record = events.run_task(
        events.task(Phase.QUEUED, 0, phase_version=0),
        events.task(
            Phase.RUNNING,
            1,
            phase_version=1,
            metadata=Metadata(generated_name="gen", plugin_identifier="ray"),
        ),
    )
    assert record.task.closure.metadata == Metadata(generated_name="gen", plugin_identifier="ray")


def test_external_resources_merge_by_index_and_retry_attempt(events) -> None:
    first = Metadata(
        external_resources=[
            Resource(
                index=0, external_id="a", phase=Phase.RUNNING, cache_status=catalog_pb2.CACHE_MISS
            ),
            Resource(index=2, external_id="c", phase=Phase.RUNNING, logs=[Log(uri="c1")]),
        ]
    )
    later = Metadata(
        external_resources=[
            Resource(index=3, phase=Phase.QUEUED),
            Resource(index=0, phase=Phase.SUCCEEDED, cache_status=catalog_pb2.CACHE_DISABLED),
            Resource(index=2, retry_attempt=1, external_id="c-retry"),
            Resource(
                index=2,
                external_id="c2",
                phase=Phase.FAILED,
                logs=[Log(uri="c2")],
                custom_info=_struct({"k": 1}),
            ),
            Resource(index=1, external_id="b"),
        ]
    )
    record = events.run_task(
        events.task(Phase.RUNNING, 0, metadata=first),
        events.task(Phase.RUNNING, 1, phase_version=1, metadata=later),
    )
    resources = record.task.closure.metadata.external_resources
    assert [(r.index, r.retry_attempt, r.external_id) for r in resources] == [
        (0, 0, "a"),
        (1, 0, "b"),
        (2, 0, "c2"),
        (2, 1, "c-retry"),
        (3, 0, ""),
    ]
    assert resources[0].phase == Phase.SUCCEEDED
    assert resources[0].cache_status == catalog_pb2.CACHE_MISS
    assert _links(resources[2].logs) == [("c2", ""), ("c1", "")]
    assert json_format.MessageToDict(resources[2].custom_info) == {"k": 1}


def test_external_resource_cache_status_and_custom_info_change_when_given(events) -> None:
    info = _struct({"kept": True})
    record = events.run_task(
        events.task(
            Phase.RUNNING,
            0,
            phase_version=0,
            metadata=Metadata(external_resources=[Resource(index=0, custom_info=info)]),
        ),
        events.task(
            Phase.RUNNING,
            1,
            phase_version=1,
            metadata=Metadata(
                external_resources=[Resource(index=0, cache_status=catalog_pb2.CACHE_HIT)]
            ),
        ),
    )
    resource = record.task.closure.metadata.external_resources[0]
    assert resource.cache_status == catalog_pb2.CACHE_HIT
    assert resource.custom_info == info


def test_external_resource_links_are_filtered_on_a_phase_change_only(events) -> None:
    resources = [
        Resource(index=0, logs=[Log(uri="live", HideOnceFinished=True), Log(uri="archive")])
    ]
    metadata = Metadata(external_resources=resources)
    same_phase = events.run_task(
        events.task(Phase.RUNNING, 0, metadata=metadata),
        events.task(Phase.RUNNING, 1, phase_version=1),
    )
    assert _links(same_phase.task.closure.metadata.external_resources[0].logs) == [
        ("live", ""),
        ("archive", ""),
    ]
    finished = events.run_task(
        events.task(Phase.RUNNING, 0, metadata=metadata),
        events.task(Phase.SUCCEEDED, 1, phase_version=1),
    )
    assert _links(finished.task.closure.metadata.external_resources[0].logs) == [("archive", "")]

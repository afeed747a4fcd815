"""How a task attempt's accumulated details absorb a new event (admin.md §4.4 step 5): log links,
custom info and plugin metadata with its external resources (array/map sub-tasks)."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from flyteidl.core import catalog_pb2
from flyteidl.core.execution_pb2 import TaskLog
from flyteidl.event import event_pb2
from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Struct

from flightdeck_events.domain.phases import TASK_TERMINAL, TaskPhase

_M = TypeVar("_M", bound=Message)

_PENDING = frozenset((TaskPhase.QUEUED, TaskPhase.INITIALIZING))
"""Phases in which only the links meant for waiting tasks are shown."""


def clone(message: _M) -> _M:
    copy = type(message)()
    copy.CopyFrom(message)
    return copy


def replace_all(field: Any, items: Iterable[Message]) -> None:
    """Overwrite a repeated message field; items may be elements of the field itself."""
    copies = [clone(item) for item in items]
    del field[:]
    field.extend(copies)


def merge_logs(stored: Sequence[TaskLog], incoming: Sequence[TaskLog]) -> list[TaskLog]:
    """The incoming links first, then the stored ones they do not replace: a stored link is
    replaced by an incoming one with the same URI or the same (non-empty) name, since names
    change as a task moves between phases."""
    if not incoming:
        return list(stored)
    uris = {log.uri for log in incoming}
    names = {log.name for log in incoming if log.name}
    kept = (log for log in stored if log.uri not in uris and log.name not in names)
    return [*incoming, *kept]


def filter_logs(logs: Iterable[TaskLog], phase: int) -> list[TaskLog]:
    """Finished tasks hide the links marked so; waiting tasks show only the links marked so."""
    terminal = phase in TASK_TERMINAL
    pending = phase in _PENDING
    return [
        log
        for log in logs
        if not (terminal and log.HideOnceFinished) and not (pending and not log.ShowWhilePending)
    ]


def merge_custom_info(stored: Struct, incoming: Struct) -> Struct:
    """``incoming`` applied to ``stored`` as a JSON merge patch (RFC 7396): its keys win,
    objects merge recursively and a JSON null deletes the key."""
    merged = _merge_patch(json_format.MessageToDict(stored), json_format.MessageToDict(incoming))
    result = Struct()
    result.update(merged)
    return result


def _merge_patch(target: Any, patch: Any) -> Any:
    if not isinstance(patch, dict):
        return patch
    merged = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            merged.pop(key, None)
        else:
            merged[key] = _merge_patch(merged.get(key), value)
    return merged


def merge_metadata(
    stored: event_pb2.TaskExecutionMetadata, incoming: event_pb2.TaskExecutionMetadata
) -> None:
    """Names and the instance class change only when given; the resource pools are replaced;
    external resources merge by (index, retry_attempt)."""
    stored.SetInParent()
    if incoming.generated_name:
        stored.generated_name = incoming.generated_name
    if incoming.plugin_identifier:
        stored.plugin_identifier = incoming.plugin_identifier
    if incoming.instance_class != event_pb2.TaskExecutionMetadata.DEFAULT:
        stored.instance_class = incoming.instance_class
    replace_all(stored.resource_pool_info, incoming.resource_pool_info)
    merged = merge_external_resources(stored.external_resources, incoming.external_resources)
    replace_all(stored.external_resources, merged)


def _resource_key(resource: event_pb2.ExternalResourceInfo) -> tuple[int, int]:
    return resource.index, resource.retry_attempt


def sort_external_resources(
    resources: Iterable[event_pb2.ExternalResourceInfo],
) -> list[event_pb2.ExternalResourceInfo]:
    return sorted(resources, key=_resource_key)


def merge_external_resources(
    stored: Sequence[event_pb2.ExternalResourceInfo],
    incoming: Iterable[event_pb2.ExternalResourceInfo],
) -> list[event_pb2.ExternalResourceInfo]:
    """Kept sorted by (index, retry_attempt): a known resource is updated in place, a new one is
    inserted where it belongs (a map task may report thousands, hence the binary search)."""
    merged = [clone(resource) for resource in stored]
    for resource in incoming:
        key = _resource_key(resource)
        position = bisect_left(merged, key, key=_resource_key)
        if position < len(merged) and _resource_key(merged[position]) == key:
            _merge_resource(merged[position], resource)
        else:
            merged.insert(position, clone(resource))
    return merged


def _merge_resource(
    stored: event_pb2.ExternalResourceInfo, incoming: event_pb2.ExternalResourceInfo
) -> None:
    stored.phase = incoming.phase
    if incoming.external_id:
        stored.external_id = incoming.external_id
    if incoming.cache_status != catalog_pb2.CACHE_DISABLED:
        stored.cache_status = incoming.cache_status
    replace_all(stored.logs, merge_logs(stored.logs, incoming.logs))
    if incoming.HasField("custom_info"):
        stored.custom_info.CopyFrom(incoming.custom_info)


def filter_resource_logs(metadata: event_pb2.TaskExecutionMetadata, phase: int) -> None:
    for resource in metadata.external_resources:
        replace_all(resource.logs, filter_logs(resource.logs, phase))

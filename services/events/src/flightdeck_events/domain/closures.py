"""Rules the workflow, node and task closures share: event times and results.

Times never move backwards (a late event cannot rewind ``updated_at``) and ``started_at`` is
written once; the reference overwrites both with whatever event it processes last.
"""

from __future__ import annotations

from typing import Any, Protocol

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_platform import faults


class _TimedEvent(Protocol):
    occurred_at: Timestamp
    reported_at: Timestamp


def is_set(moment: Timestamp) -> bool:
    return bool(moment.seconds or moment.nanos)


def _key(moment: Timestamp) -> tuple[int, int]:
    return moment.seconds, moment.nanos


def advance(current: Timestamp, moment: Timestamp) -> None:
    """``current := max(current, moment)``; an unset ``current`` takes ``moment``."""
    if not is_set(current) or _key(moment) > _key(current):
        current.CopyFrom(moment)


def start_once(started_at: Timestamp, moment: Timestamp) -> None:
    if not is_set(started_at):
        started_at.CopyFrom(moment)


def elapsed(started_at: Timestamp, ended_at: Timestamp) -> Duration:
    nanos = ended_at.ToNanoseconds() - started_at.ToNanoseconds()
    duration = Duration()
    duration.FromNanoseconds(nanos)
    return duration


def finish(closure: Any, ended_at: Timestamp) -> None:
    """``duration := ended_at - started_at`` when the entity was seen running; else unset."""
    if is_set(closure.started_at):
        closure.duration.CopyFrom(elapsed(closure.started_at, ended_at))


def reported_time(event: _TimedEvent) -> Timestamp:
    """Node and task events: when propeller reported the change, else when it happened."""
    return event.reported_at if is_set(event.reported_at) else event.occurred_at


def record_result(closure: Any, event: Any) -> None:
    """Copy an event's result (output URI, inline outputs or error) onto a node or task closure,
    whose ``output_result`` members share the event's names; no result leaves it unchanged.

    Inline ``output_data`` reaches the domain only when it is meant to be kept inline (the
    reference's StoreInline policy); offloading replaces it by ``output_uri`` beforehand."""
    which = event.WhichOneof("output_result")
    if which == "output_uri":
        closure.output_uri = event.output_uri
    elif which in ("output_data", "error"):
        getattr(closure, which).CopyFrom(getattr(event, which))


def input_uri_of(event: Any) -> str:
    """The event's input location; inline inputs must have been offloaded before (the records
    hold inputs only by URI)."""
    which = event.WhichOneof("input_value")
    if which == "input_data":
        raise faults.Internal("inline event inputs reached the domain without being offloaded")
    return event.input_uri if which == "input_uri" else ""

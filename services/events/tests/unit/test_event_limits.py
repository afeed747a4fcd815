"""The gateway's caps on free-form event fields: what is cut, how, and what is left alone."""

from __future__ import annotations

import pytest
from flyteidl.core import execution_pb2 as core
from flyteidl.event import event_pb2
from google.protobuf import struct_pb2

from flightdeck_events.domain.limits import (
    EventLimits,
    bound_node_event,
    bound_task_event,
    bound_workflow_event,
    cut_text,
)

LIMITS = EventLimits(error_message_bytes=2048, reason_bytes=1024, custom_info_bytes=4096)


def _error(message: str) -> core.ExecutionError:
    return core.ExecutionError(code="USER:Boom", message=message, kind=core.ExecutionError.USER)


def _info(size: int) -> struct_pb2.Struct:
    info = struct_pb2.Struct()
    info.update({"dump": "y" * size})
    return info


def test_text_within_the_limit_is_kept_whole() -> None:
    assert cut_text("é" * 1024, 2048) == "é" * 1024


@pytest.mark.parametrize("unit", ["x", "é", "🙂"])
def test_long_text_keeps_its_head_and_tail_within_the_limit_and_says_so(unit: str) -> None:
    text = "HEAD" + unit * 50_000 + "TAIL"
    total = len(text.encode())

    cut = cut_text(text, 2048)

    assert len(cut.encode()) <= 2048
    assert cut.startswith("HEAD") and cut.endswith("TAIL")
    head, marker_and_tail = cut.split("\n… [truncated: ", 1)
    kept = marker_and_tail.split(" of ", 1)[0]
    tail = marker_and_tail.split("kept] …\n", 1)[1]
    assert int(kept) == len(head.encode()) + len(tail.encode())
    assert f" of {total} bytes kept]" in cut


def test_a_workflow_event_error_message_is_cut_and_reported() -> None:
    event = event_pb2.WorkflowExecutionEvent(error=_error("e" * 10_000))

    assert bound_workflow_event(event, LIMITS) == ["event.error.message"]
    assert len(event.error.message.encode()) <= 2048
    assert event.error.code == "USER:Boom" and event.error.kind == core.ExecutionError.USER


def test_a_node_event_error_message_is_cut() -> None:
    event = event_pb2.NodeExecutionEvent(error=_error("e" * 10_000))

    assert bound_node_event(event, LIMITS) == ["event.error.message"]
    assert "[truncated: " in event.error.message


def test_an_event_within_the_limits_is_left_as_it_came() -> None:
    event = event_pb2.TaskExecutionEvent(
        error=_error("short"),
        reason="pending",
        reasons=[event_pb2.EventReason(reason="pending")],
        custom_info=_info(100),
    )
    before = event.SerializeToString(deterministic=True)

    assert bound_task_event(event, LIMITS) == []
    assert event.SerializeToString(deterministic=True) == before


def test_every_oversized_part_of_a_task_event_is_bounded() -> None:
    event = event_pb2.TaskExecutionEvent(
        error=_error("e" * 10_000),
        reason="r" * 5000,
        reasons=[event_pb2.EventReason(reason="ok"), event_pb2.EventReason(reason="r" * 5000)],
        custom_info=_info(10_000),
    )
    event.metadata.external_resources.add(external_id="a", custom_info=_info(10_000))
    event.metadata.external_resources.add(external_id="b", custom_info=_info(10))

    cut = bound_task_event(event, LIMITS)

    assert cut == [
        "event.error.message",
        "event.reason",
        "event.reasons.reason",
        "event.custom_info",
        "event.metadata.external_resources.custom_info",
    ]
    assert len(event.reason.encode()) <= 1024
    assert event.reasons[0].reason == "ok"
    assert len(event.reasons[1].reason.encode()) <= 1024
    replaced = dict(event.custom_info.items())
    assert replaced["truncated"] is True and replaced["limit_bytes"] == 4096
    assert replaced["original_bytes"] == _info(10_000).ByteSize()
    first, second = event.metadata.external_resources
    assert "dump" not in first.custom_info.fields and first.custom_info["truncated"] is True
    assert second.custom_info == _info(10)

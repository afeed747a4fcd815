"""Caps on the free-form parts of an event, applied by the gateway before the event is logged.

A producer may put megabytes into an error message, a reason or a plugin's custom info; stored
whole, they make the execution unreadable to a client with gRPC's default 4 MiB receive limit,
can exceed the event log's record limit (the run then never leaves RUNNING) and push documents
towards MongoDB's 16 MiB. Text is cut to its head and tail around a marker saying how much was
kept; a custom info Struct over its cap is replaced by a small Struct recording its size. The
caps apply to each field on its own; identifiers, URIs and inline literals are left whole (the
output-size check and the event log's record limit bound those).
"""

from __future__ import annotations

from dataclasses import dataclass

from flyteidl.core import execution_pb2
from flyteidl.event import event_pb2
from google.protobuf import struct_pb2

TRUNCATED = "truncated"
"""The key a replaced custom info carries (``true``), beside ``original_bytes`` and
``limit_bytes``."""


@dataclass(frozen=True)
class EventLimits:
    error_message_bytes: int
    reason_bytes: int
    custom_info_bytes: int


def cut_text(text: str, limit: int) -> str:
    """``text`` if it fits ``limit`` UTF-8 bytes, else its head and tail (whole characters)
    around ``… [truncated: K of N bytes kept] …``; the result fits ``limit``. Both ends are
    kept because a traceback's last lines name the exception, as propeller keeps them."""
    data = text.encode()
    if len(data) <= limit:
        return text
    widest = _marker(len(data), len(data)).encode()
    budget = max(limit - len(widest), 0)
    head = data[: budget // 2].decode(errors="ignore")
    tail = data[len(data) - (budget - budget // 2) :].decode(errors="ignore")
    kept = len(head.encode()) + len(tail.encode())
    return head + _marker(kept, len(data)) + tail


def _marker(kept: int, total: int) -> str:
    return f"\n… [truncated: {kept} of {total} bytes kept] …\n"


def capped_struct(info: struct_pb2.Struct, limit: int) -> struct_pb2.Struct | None:
    """None if ``info`` serializes within ``limit`` bytes, else the Struct that replaces it."""
    size = info.ByteSize()
    if size <= limit:
        return None
    replacement = struct_pb2.Struct()
    replacement.update({TRUNCATED: True, "original_bytes": size, "limit_bytes": limit})
    return replacement


def bound_workflow_event(event: event_pb2.WorkflowExecutionEvent, limits: EventLimits) -> list[str]:
    """Cuts the event in place; returns the paths of the fields it cut."""
    return _bound_error(event, "event.error", limits)


def bound_node_event(event: event_pb2.NodeExecutionEvent, limits: EventLimits) -> list[str]:
    return _bound_error(event, "event.error", limits)


def bound_task_event(event: event_pb2.TaskExecutionEvent, limits: EventLimits) -> list[str]:
    cut = _bound_error(event, "event.error", limits)
    if _cut_field(event, "reason", limits.reason_bytes):
        cut.append("event.reason")
    if any([_cut_field(r, "reason", limits.reason_bytes) for r in event.reasons]):
        cut.append("event.reasons.reason")
    if _cap_custom_info(event, limits.custom_info_bytes):
        cut.append("event.custom_info")
    resources = event.metadata.external_resources
    if any([_cap_custom_info(r, limits.custom_info_bytes) for r in resources]):
        cut.append("event.metadata.external_resources.custom_info")
    return cut


def _bound_error(event: object, path: str, limits: EventLimits) -> list[str]:
    if not event.HasField("error"):  # type: ignore[attr-defined]
        return []
    error: execution_pb2.ExecutionError = event.error  # type: ignore[attr-defined]
    return [f"{path}.message"] if _cut_field(error, "message", limits.error_message_bytes) else []


def _cut_field(message: object, field: str, limit: int) -> bool:
    text = getattr(message, field)
    cut = cut_text(text, limit)
    if cut is text:
        return False
    setattr(message, field, cut)
    return True


def _cap_custom_info(holder: object, limit: int) -> bool:
    if not holder.HasField("custom_info"):  # type: ignore[attr-defined]
        return False
    info: struct_pb2.Struct = holder.custom_info  # type: ignore[attr-defined]
    replacement = capped_struct(info, limit)
    if replacement is None:
        return False
    info.Clear()
    info.MergeFrom(replacement)
    return True

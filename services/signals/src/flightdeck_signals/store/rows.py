"""Stored signals as the listing engine's rows, shared by the Redis store and the fake."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_listing import ListingPlan, select_page
from flightdeck_signals.domain import signals

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def serialized(message: types_pb2.LiteralType | literals_pb2.Literal) -> bytes:
    """Deterministic, so equal types are equal bytes (a set compares them inside Redis)."""
    return message.SerializeToString(deterministic=True)


def signal_of(
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    signal_id: str,
    stored_type: bytes,
    value: bytes | None,
) -> signal_pb2.Signal:
    signal = signal_pb2.Signal(
        id=signals.identifier(execution, signal_id),
        type=types_pb2.LiteralType.FromString(stored_type),
    )
    if value is not None:
        signal.value.ParseFromString(value)
    return signal


def row(signal: signal_pb2.Signal, created_at: datetime, updated_at: datetime) -> dict[str, Any]:
    execution = signal.id.execution_id
    return {
        "_id": signal.id.signal_id,
        "execution_project": execution.project,
        "execution_domain": execution.domain,
        "execution_name": execution.name,
        "signal_id": signal.id.signal_id,
        "created_at": created_at,
        "updated_at": updated_at,
        "signal": signal,
    }


def page(plan: ListingPlan, rows: list[dict[str, Any]]) -> tuple[list[signal_pb2.Signal], str]:
    found, token = select_page(plan, rows)
    return [found_row["signal"] for found_row in found], token


def from_micros(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


def to_micros(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(microseconds=1)


def to_millis(moment: datetime) -> int:
    return (moment - _EPOCH) // timedelta(milliseconds=1)

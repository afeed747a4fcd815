"""In-memory stores with the contract of the Redis one (tests/contract runs both). Each method
does its check and its write without awaiting in between, so it is atomic on the event loop."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_listing import ListingPlan
from flightdeck_signals.domain import signals
from flightdeck_signals.domain.errors import SignalChanged
from flightdeck_signals.store import rows

ExecutionKey = tuple[str, str, str]


@dataclass
class _Entry:
    type: bytes
    created_at: datetime
    updated_at: datetime
    value: bytes | None = None
    sets: int = 0


def _now() -> datetime:
    return datetime.now(UTC)


def _key(execution: identifier_pb2.WorkflowExecutionIdentifier) -> ExecutionKey:
    return (execution.project, execution.domain, execution.name)


class InMemorySignalStore:
    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self._executions: dict[ExecutionKey, dict[str, _Entry]] = {}
        self._terminal: dict[ExecutionKey, datetime] = {}
        self._clock = clock
        self._last = datetime.min.replace(tzinfo=UTC)

    def _tick(self) -> datetime:
        """The clock, made strictly increasing so creation order is never a tie."""
        self._last = max(self._clock(), self._last + timedelta(microseconds=1))
        return self._last

    async def get_or_create(self, signal: signal_pb2.Signal) -> signal_pb2.Signal:
        execution = signal.id.execution_id
        entries = self._executions.setdefault(_key(execution), {})
        now = self._tick()
        entry = entries.setdefault(
            signal.id.signal_id, _Entry(rows.serialized(signal.type), now, now)
        )
        return rows.signal_of(execution, signal.id.signal_id, entry.type, entry.value)

    def _entry(self, signal_id: identifier_pb2.SignalIdentifier) -> _Entry:
        entry = self._executions.get(_key(signal_id.execution_id), {}).get(signal_id.signal_id)
        if entry is None:
            raise signals.not_found(signal_id)
        return entry

    async def get(self, signal_id: identifier_pb2.SignalIdentifier) -> signal_pb2.Signal:
        entry = self._entry(signal_id)
        execution = signal_id.execution_id
        return rows.signal_of(execution, signal_id.signal_id, entry.type, entry.value)

    async def set_value(
        self,
        signal_id: identifier_pb2.SignalIdentifier,
        checked_type: types_pb2.LiteralType,
        value: literals_pb2.Literal,
    ) -> int:
        entry = self._entry(signal_id)
        if entry.type != rows.serialized(checked_type):
            raise SignalChanged(f"{signals.describe(signal_id)} has another type now")
        entry.value, entry.updated_at = rows.serialized(value), self._tick()
        entry.sets += 1
        return entry.sets

    async def list_page(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, plan: ListingPlan
    ) -> tuple[list[signal_pb2.Signal], str]:
        entries = self._executions.get(_key(execution), {})
        listed = [
            rows.row(
                rows.signal_of(execution, signal_id, entry.type, entry.value),
                entry.created_at,
                entry.updated_at,
            )
            for signal_id, entry in entries.items()
        ]
        return rows.page(plan, listed)

    async def mark_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        self._terminal[_key(execution)] = terminal_at

    async def remove_terminal_before(self, cutoff: datetime, limit: int) -> int:
        due = sorted((at, key) for key, at in self._terminal.items() if at <= cutoff)[:limit]
        for _, key in due:
            self._executions.pop(key, None)
            del self._terminal[key]
        return len(due)

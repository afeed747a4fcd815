"""What the use cases need from storage; ``store/`` implements these for Redis and in memory."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_listing import ListingPlan


class SignalStore(Protocol):
    async def get_or_create(self, signal: signal_pb2.Signal) -> signal_pb2.Signal:
        """In one atomic step: stores ``signal`` (its id and type) unless its id is taken, and
        returns the signal stored under the id, with its value once set."""

    async def get(self, signal_id: identifier_pb2.SignalIdentifier) -> signal_pb2.Signal:
        """Raises SignalNotFound."""

    async def set_value(
        self,
        signal_id: identifier_pb2.SignalIdentifier,
        checked_type: types_pb2.LiteralType,
        value: literals_pb2.Literal,
    ) -> int:
        """In one atomic step, if the signal still has ``checked_type``: replaces its value,
        stamps updated_at and notifies waiters. Returns the signal's set count, this set
        included (1, 2, ...: the order in which concurrent sets took effect). Raises
        SignalNotFound, or SignalChanged when the stored type is another one."""

    async def list_page(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, plan: ListingPlan
    ) -> tuple[list[signal_pb2.Signal], str]:
        """One page of the execution's signals and the token of the next ('' when none)."""


class TerminalExecutions(Protocol):
    async def mark_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        """Records when the execution became terminal (a later mark replaces the time)."""

    async def remove_terminal_before(self, cutoff: datetime, limit: int) -> int:
        """Removes every signal of up to ``limit`` executions terminal at or before ``cutoff``,
        each execution in one atomic step, and forgets those executions. Returns how many."""

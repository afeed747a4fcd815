"""Retention: signals of executions terminal for longer than the retention period are removed.

The execution phase feed (the events projector's) tells which executions ended and when
(``follow_phase_changes``); the sweep runs periodically and removes the expired ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from flyteidl.core import identifier_pb2

from flightdeck_signals.domain import phase_changes, signals
from flightdeck_signals.domain.errors import MissingField
from flightdeck_signals.service.ports import TerminalExecutions

Clock = Callable[[], datetime]

_log = logging.getLogger("flightdeck.signals.retention")


def utc_now() -> datetime:
    return datetime.now(UTC)


class Retention:
    def __init__(
        self,
        store: TerminalExecutions,
        period: timedelta,
        batch_size: int = 100,
        clock: Clock = utc_now,
    ) -> None:
        self._store = store
        self._period = period
        self._batch_size = batch_size
        self._clock = clock

    async def mark_execution_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        if not signals.is_complete(execution):
            raise MissingField("execution_id")
        await self._store.mark_terminal(execution, terminal_at)

    async def follow_phase_changes(self, changes: Sequence[phase_changes.ReceivedChange]) -> int:
        """Marks the executions the changes end, in feed order (marking again with the same
        time is harmless, so a redelivered batch changes nothing); returns how many."""
        ended = phase_changes.executions_ended(changes)
        for end in ended:
            await self._store.mark_terminal(end.execution, end.at)
        return len(ended)

    async def sweep(self) -> int:
        """Removes the signals of every execution terminal for longer than the period; returns
        how many executions were swept."""
        cutoff = self._clock() - self._period
        removed = 0
        while True:
            batch = await self._store.remove_terminal_before(cutoff, self._batch_size)
            removed += batch
            if batch < self._batch_size:
                return removed

    async def run(self, interval: timedelta) -> None:
        """Sweeps every ``interval`` until cancelled; a failed sweep (Redis away) is logged and
        the next one tries again."""
        while True:
            try:
                removed = await self.sweep()
                if removed:
                    _log.info("signals swept", extra={"executions": removed})
            except asyncio.CancelledError:
                raise
            except Exception as error:  # any store failure: the next round retries
                _log.warning("signal sweep failed", extra={"error": str(error)})
            await asyncio.sleep(interval.total_seconds())

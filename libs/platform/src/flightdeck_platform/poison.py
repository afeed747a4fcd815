"""Bounded retries for a consumer that handles a partition's messages one at a time.

A message that keeps failing blocks everything behind it on its partition, so after a budget of
attempts it is set aside (dead-lettered) and the rest flow on. A transient failure (a dependency
is down) does not spend the budget: every message would fail alike, and setting them aside would
move the whole topic into the dead letters during an outage.

Pure bookkeeping, in memory: a restarted replica, or the next owner of a partition, starts the
count again, so a poison message may get up to the budget once more per owner.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


@dataclass(frozen=True)
class Position:
    topic: str
    partition: int
    offset: int


class Verdict(Enum):
    RETRY = "retry"
    """Leave the message unacknowledged: it is delivered again."""
    DEAD_LETTER = "dead_letter"
    """Set the message aside, then acknowledge it."""


class RetryBudget:
    def __init__(self, max_attempts: int) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        self.max_attempts = max_attempts
        # (topic, partition) -> (offset, attempts): only the message at a partition's head can be
        # failing, so one entry a partition bounds the memory without any eviction.
        self._failing: dict[tuple[str, int], tuple[int, int]] = {}

    def failed(self, position: Position, *, transient: bool) -> Verdict:
        """Counts one failed attempt at the message (a transient one is not counted)."""
        attempts = self.attempts(position) + (0 if transient else 1)
        self._failing[(position.topic, position.partition)] = (position.offset, attempts)
        if transient or attempts < self.max_attempts:
            return Verdict.RETRY
        return Verdict.DEAD_LETTER

    def attempts(self, position: Position) -> int:
        """Failed attempts counted against the message so far."""
        offset, attempts = self._failing.get((position.topic, position.partition), (-1, 0))
        return attempts if offset == position.offset else 0

    def settled(self, position: Position) -> None:
        """The message was handled or set aside; its partition's next message starts afresh."""
        slot = (position.topic, position.partition)
        if self._failing.get(slot, (-1, 0))[0] == position.offset:
            del self._failing[slot]

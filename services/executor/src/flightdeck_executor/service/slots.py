"""The replica's bound on task processes: attempts wait queued for a slot instead of spawning
without limit. Keyed by attempt, so asking twice for the same attempt is harmless."""

from __future__ import annotations


class TaskSlots:
    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._held: set[str] = set()

    def take(self, attempt: str) -> bool:
        if attempt in self._held:
            return True
        if len(self._held) >= self._capacity:
            return False
        self._held.add(attempt)
        return True

    def hold(self, attempt: str) -> None:
        """An attempt found running (adopted after a restart) holds its slot regardless."""
        self._held.add(attempt)

    def release(self, attempt: str) -> None:
        self._held.discard(attempt)

    @property
    def in_use(self) -> int:
        return len(self._held)

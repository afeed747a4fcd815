"""What the engine can learn of a task process (a local stand-in for a pod)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NotLaunched:
    """No launch was recorded for the attempt."""


@dataclass(frozen=True)
class Starting:
    """Launched moments ago; the supervisor has not reported in yet."""


@dataclass(frozen=True)
class Running:
    pid: int


@dataclass(frozen=True)
class Exited:
    exit_code: int | None
    signal: int | None


@dataclass(frozen=True)
class Lost:
    """Launched, but nobody supervises it any more and it left no exit record."""


ProcessStatus = NotLaunched | Starting | Running | Exited | Lost

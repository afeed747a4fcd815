"""What can go wrong while firing a schedule.

``InvalidSchedule``: a launch plan's schedule this scheduler cannot compute ticks for (a cron
string that is not standard five-field cron, a fixed rate of zero or without a unit); it is
skipped, never fired. ``LaunchFailed``: admin refused or could not take an execution;
``transient`` says whether the same request may succeed later without any change (admin or the
edge unreachable, a deadline) or whether it counts against the tick's retry budget.
"""

from __future__ import annotations


class InvalidSchedule(ValueError):
    """The schedule of an active launch plan cannot be evaluated."""


class LaunchFailed(Exception):
    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient

"""What operators alert on: ticks that failed or were missed, and a loop that stopped turning
(``time() - flightdeck_scheduler_last_round_timestamp_seconds``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

TICKS = Counter(
    "flightdeck_scheduler_ticks",
    "Ticks handled, by outcome: created, already_existed (another replica or an earlier run "
    "made it), failed (gave up after the retry budget), stopped (the version was no longer "
    "active when the tick came).",
    ["outcome"],
)
TICKS_CAUGHT_UP = Counter(
    "flightdeck_scheduler_ticks_caught_up",
    "Ticks that were already due when this replica first saw their schedule (after a start or "
    "an outage), fired late.",
)
TICKS_MISSED = Counter(
    "flightdeck_scheduler_ticks_missed",
    "Due ticks left out because more than catch_up.max_ticks were due at once.",
)
LAUNCH_FAILURES = Counter(
    "flightdeck_scheduler_launch_failures",
    "Failed CreateExecution attempts, by kind: transient (retried without limit) or refused "
    "(counted against the tick's budget).",
    ["kind"],
)
REFRESH_FAILURES = Counter(
    "flightdeck_scheduler_refresh_failures",
    "Refreshes of the active schedules that failed (admin unreachable...).",
)
INVALID_SCHEDULES = Counter(
    "flightdeck_scheduler_invalid_schedules",
    "Active launch plans skipped at a refresh because their schedule cannot be evaluated.",
)
SCHEDULES = Gauge("flightdeck_scheduler_schedules", "Active schedules this replica follows.")
LAST_REFRESH = Gauge(
    "flightdeck_scheduler_last_refresh_timestamp_seconds",
    "Unix time of the last refresh of the active schedules that succeeded.",
)
LAST_ROUND = Gauge(
    "flightdeck_scheduler_last_round_timestamp_seconds",
    "Unix time up to which every tick of every followed schedule has been handled or is "
    "waiting for a retry.",
)
CURSOR_WRITE_FAILURES = Counter(
    "flightdeck_scheduler_cursor_write_failures",
    "Handled ticks whose record in Redis failed (a restart may ask admin for them again).",
)

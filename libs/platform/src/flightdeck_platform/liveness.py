"""Liveness: whether the event loop still runs what is due, in time.

A heartbeat sleeps a short interval and notes how late it woke. A loop held by a synchronous
call (a blocking driver call, a long CPU-bound parse) wakes it late or not at all, and
/healthcheck answers 503 once that delay passes the configured bound; an orchestrator then
restarts the replica. A loop blocked outright cannot answer at all, which the probe's own
timeout reports; the heartbeat catches the loop that still answers, but too late.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from prometheus_client import Gauge

HEARTBEAT_INTERVAL_SECONDS = 0.5
REMEMBERED_SECONDS = 10.0
"""How long a late beat keeps the verdict failing: an orchestrator probes every 10 s by default,
so a block that ended between two probes is still seen by the next one."""

LOOP_LAG = Gauge(
    "flightdeck_event_loop_lag_seconds", "How late the event loop ran its last heartbeat."
)


@dataclass(frozen=True)
class Liveness:
    alive: bool
    loop_lag_seconds: float
    """The worst delay of the recent beats, or of the one overdue now."""


class LoopHeartbeat:
    def __init__(
        self,
        max_lag_seconds: float,
        interval_seconds: float = HEARTBEAT_INTERVAL_SECONDS,
        remembered_seconds: float = REMEMBERED_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max_lag = max_lag_seconds
        self._interval = interval_seconds
        self._clock = clock
        self._last_beat = clock()
        # A blocked loop beats less often, so these cover at least the remembered time.
        self._recent_lags: deque[float] = deque(
            maxlen=max(1, math.ceil(remembered_seconds / interval_seconds))
        )

    async def run(self) -> None:
        """Beats until cancelled; nothing in it can raise but the cancellation."""
        while True:
            due = self._clock() + self._interval
            await asyncio.sleep(self._interval)
            self._last_beat = self._clock()
            lag = max(0.0, self._last_beat - due)
            self._recent_lags.append(lag)
            LOOP_LAG.set(lag)

    def check(self) -> Liveness:
        """Counts the beat that is overdue now as well: the loop may answer this check before
        the heartbeat it owes."""
        overdue = self._clock() - self._last_beat - self._interval
        lag = max(*self._recent_lags, overdue, 0.0)
        return Liveness(lag <= self._max_lag, lag)

"""The heartbeat tells a responsive event loop from one that was held by a synchronous call."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from prometheus_client import REGISTRY

from flightdeck_platform.liveness import LoopHeartbeat

MAX_LAG = 0.3
BLOCKED = 0.8


def last_beat_lag() -> float:
    value = REGISTRY.get_sample_value("flightdeck_event_loop_lag_seconds")
    assert value is not None
    return value


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    assert condition()


async def test_a_blocked_loop_fails_until_it_has_kept_time_again() -> None:
    heartbeat = LoopHeartbeat(MAX_LAG, interval_seconds=0.05, remembered_seconds=0.5)
    beating = asyncio.create_task(heartbeat.run())
    try:
        # The heartbeat task first runs when this one yields; blocking before it has beaten
        # would only delay its start, so let it beat a few times.
        await asyncio.sleep(0.2)
        assert last_beat_lag() < MAX_LAG and heartbeat.check().alive

        time.sleep(BLOCKED)  # noqa: ASYNC251 - the blocking call under test
        overdue = heartbeat.check()
        assert not overdue.alive and overdue.loop_lag_seconds > MAX_LAG

        await until(lambda: last_beat_lag() > MAX_LAG)  # the late beat has run
        remembered = heartbeat.check()
        assert not remembered.alive and remembered.loop_lag_seconds > MAX_LAG

        await until(lambda: heartbeat.check().alive)
        assert heartbeat.check().loop_lag_seconds <= MAX_LAG
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating

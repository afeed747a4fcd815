"""The timing loop the benchmarks share: a fixed number of calls, a few in flight at once,
stopped early when a phase runs past its time cap (a slow store must not stall the report)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


async def capped_throughput(
    count: int,
    operation: Callable[[int], Awaitable[object]],
    concurrency: int,
    cap_seconds: float,
) -> tuple[int, float]:
    """Runs ``operation(i)`` for i in range(count) with ``concurrency`` in flight; returns how
    many completed and the seconds they took."""
    counter = iter(range(count))
    done = 0
    started = time.perf_counter()
    deadline = started + cap_seconds

    async def worker() -> None:
        nonlocal done
        for i in counter:
            if time.perf_counter() > deadline:
                return
            await operation(i)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, time.perf_counter() - started

"""Connecting to a dependency that may not be up yet, without blocking the service's start.

A service starts serving health at once and reports not-ready until its dependencies answer,
which is what an orchestrator's readiness probe expects.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

_log = logging.getLogger("flightdeck.retry")


async def keep_trying(
    attempt: Callable[[], Awaitable[object]],
    what: str,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
) -> None:
    delay = first_delay
    while True:
        try:
            await attempt()
            _log.info("connected", extra={"dependency": what})
            return
        except asyncio.CancelledError:
            raise
        except Exception as error:  # every driver has its own connection errors; all mean "retry"
            _log.warning("cannot connect yet", extra={"dependency": what, "error": str(error)})
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)

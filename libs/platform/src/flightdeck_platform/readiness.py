"""Readiness: named async probes of a service's dependencies (MongoDB, Kafka, Redis...)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

Probe = Callable[[], Awaitable[object]]

PROBE_TIMEOUT_SECONDS = 2.0


async def _outcome(probe: Probe) -> str:
    try:
        await asyncio.wait_for(probe(), PROBE_TIMEOUT_SECONDS)
    except Exception as error:  # a probe's failure is its answer, whatever the driver raised
        return f"failing: {type(error).__name__}: {error}"
    return "ok"


async def check(probes: Mapping[str, Probe]) -> dict[str, str]:
    names = list(probes)
    outcomes = await asyncio.gather(*(_outcome(probes[n]) for n in names))
    return dict(zip(names, outcomes, strict=True))


def all_ok(results: Mapping[str, str]) -> bool:
    return all(outcome == "ok" for outcome in results.values())

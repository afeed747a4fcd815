"""Readiness: named async probes of a service's dependencies (MongoDB, Kafka, Redis...).

Required checks gate readiness; informational ones are reported beside them for operators, for
a dependency the service keeps serving without (admin's Kafka, behind its outbox).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class Report:
    checks: dict[str, str]
    """Gate readiness: every one must be ``ok``."""
    informational: dict[str, str] = field(default_factory=dict)
    """Shown, never gating."""

    @property
    def ready(self) -> bool:
        return all_ok(self.checks)

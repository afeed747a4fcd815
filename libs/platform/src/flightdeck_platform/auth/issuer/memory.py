"""The in-memory ``PendingGrants``: one process only, for tests. The contract suite runs it
beside admin's MongoDB store."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from flightdeck_platform.auth.issuer.pending import UnknownGrant


class InMemoryPendingGrants:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._entries: dict[str, tuple[dict[str, Any], float]] = {}
        self._claims: dict[str, float] = {}
        self._clock = clock

    def _sweep(self) -> None:
        now = self._clock()
        self._entries = {k: v for k, v in self._entries.items() if v[1] >= now}
        self._claims = {k: v for k, v in self._claims.items() if v >= now}

    async def put(self, key: str, fields: dict[str, Any], keep_until: float) -> None:
        self._sweep()
        self._entries[key] = (copy.deepcopy(fields), keep_until)

    async def get(self, key: str) -> dict[str, Any]:
        if key not in self._entries:
            raise UnknownGrant(key)
        return copy.deepcopy(self._entries[key][0])

    async def update(self, key: str, fields: dict[str, Any]) -> None:
        if key not in self._entries:
            raise UnknownGrant(key)
        self._entries[key][0].update(copy.deepcopy(fields))

    async def claim(self, key: str, keep_until: float) -> bool:
        self._sweep()
        if key in self._claims:
            return False
        self._claims[key] = keep_until
        return True

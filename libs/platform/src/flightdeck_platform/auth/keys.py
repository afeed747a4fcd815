"""Where token signatures are checked against: a key set fixed in process (admin's own keys)
or an issuer's JWKS fetched, cached for a while and re-read when a token names an unknown key
(the issuer rotated)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import jwt

from flightdeck_platform import faults
from flightdeck_platform.auth.fetch import json_document

UNKNOWN_KID_REFETCH_SECONDS = 10.0
"""Floor between re-reads forced by unknown key ids, so forged kids cannot flood the issuer."""


class KeySource(Protocol):
    async def key_for(self, kid: str | None) -> jwt.PyJWK: ...


def _key_set(document: dict[str, Any]) -> jwt.PyJWKSet:
    try:
        return jwt.PyJWKSet.from_dict(document)
    except jwt.PyJWKSetError as error:
        raise faults.Unavailable(f"the issuer's key set is unusable: {error}") from error


def _pick(keys: jwt.PyJWKSet, kid: str | None) -> jwt.PyJWK | None:
    """The reference looks the ``kid`` up and falls back to the first key without one."""
    if kid is None:
        return keys.keys[0] if keys.keys else None
    return next((k for k in keys.keys if k.key_id == kid), None)


class StaticKeys:
    def __init__(self, current: Callable[[], dict[str, Any]]) -> None:
        self._current = current

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        found = _pick(_key_set(self._current()), kid)
        if found is None:
            raise faults.Unauthenticated(f"token parse error: unknown signing key {kid!r}")
        return found


class RemoteJwks:
    """The issuer's JWKS at ``url`` (or discovered lazily by ``locate``)."""

    def __init__(
        self,
        locate: Callable[[], Awaitable[str]],
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._locate = locate
        self._ttl = ttl_seconds
        self._clock = clock
        self._keys: jwt.PyJWKSet | None = None
        self._fetched_at = float("-inf")
        self._lock = asyncio.Lock()

    async def key_for(self, kid: str | None) -> jwt.PyJWK:
        now = self._clock()
        if self._keys is None or now - self._fetched_at > self._ttl:
            await self._refresh(now)
        assert self._keys is not None
        found = _pick(self._keys, kid)
        if found is None and now - self._fetched_at > UNKNOWN_KID_REFETCH_SECONDS:
            await self._refresh(now)
            found = _pick(self._keys, kid)
        if found is None:
            raise faults.Unauthenticated(f"token parse error: unknown signing key {kid!r}")
        return found

    async def _refresh(self, now: float) -> None:
        async with self._lock:
            if self._keys is not None and self._fetched_at >= now:
                return
            self._keys = _key_set(await json_document(await self._locate()))
            self._fetched_at = self._clock()

"""The built-in authorization server's ``PendingGrants``: the in-memory fake and admin's
MongoDB store (on FerretDB) behave alike."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from flightdeck_admin.store.oauth_grants import MongoPendingGrants
from flightdeck_platform.auth.issuer.memory import InMemoryPendingGrants
from flightdeck_platform.auth.issuer.pending import UnknownGrant, key_of


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


class PendingGrantsContract:
    """What every PendingGrants must do; subclasses supply the backend on ``clock``."""

    async def test_put_then_get_returns_the_fields(self, store: Any, clock: Clock) -> None:
        key = key_of("code", "secret")
        fields = {"client_id": "flytectl", "scopes": ["all", "offline"], "expires_at": 1.5}
        await store.put(key, fields, clock.now + 60)
        assert await store.get(key) == fields
        assert "secret" not in key

    async def test_unknown_keys_raise(self, store: Any) -> None:
        with pytest.raises(UnknownGrant):
            await store.get(key_of("code", "absent"))
        with pytest.raises(UnknownGrant):
            await store.update(key_of("code", "absent"), {"status": "approved"})

    async def test_update_sets_only_the_named_fields(self, store: Any, clock: Clock) -> None:
        key = key_of("device", "d")
        await store.put(key, {"status": "pending", "subject": "", "last_poll": 0.0}, clock.now + 60)
        await store.update(key, {"status": "approved", "subject": "ada"})
        assert await store.get(key) == {"status": "approved", "subject": "ada", "last_poll": 0.0}

    async def test_a_key_is_claimed_once_even_by_concurrent_callers(
        self, store: Any, clock: Clock
    ) -> None:
        key = key_of("refresh", "r")
        wins = await asyncio.gather(*(store.claim(key, clock.now + 60) for _ in range(8)))
        assert sorted(wins) == [False] * 7 + [True]
        assert not await store.claim(key, clock.now + 60)

    async def test_entries_and_claims_past_keep_until_are_swept(
        self, store: Any, clock: Clock
    ) -> None:
        old, kept = key_of("code", "old"), key_of("code", "kept")
        await store.put(old, {"n": 1}, clock.now + 10)
        await store.claim(old, clock.now + 10)
        await store.put(kept, {"n": 2}, clock.now + 1000)
        clock.now += 100
        await store.put(key_of("code", "new"), {"n": 3}, clock.now + 10)  # writes sweep
        with pytest.raises(UnknownGrant):
            await store.get(old)
        assert await store.claim(old, clock.now + 10)  # its old claim went with it
        assert await store.get(kept) == {"n": 2}


@pytest.fixture
def clock() -> Clock:
    return Clock()


class TestInMemoryPendingGrants(PendingGrantsContract):
    @pytest.fixture
    def store(self, clock: Clock) -> InMemoryPendingGrants:
        return InMemoryPendingGrants(clock)


@pytest.mark.integration
class TestMongoPendingGrants(PendingGrantsContract):
    @pytest.fixture
    def store(self, mongo_database: Any, clock: Clock) -> MongoPendingGrants:
        return MongoPendingGrants(mongo_database, clock)

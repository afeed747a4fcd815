"""One contract for the last-tick store, run against the in-memory fake and the local stack's
Redis (under a key prefix of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from redis.asyncio import Redis

from flightdeck_scheduler.service.ports import CursorStore
from flightdeck_scheduler.store.cursors import RedisCursorStore
from flightdeck_scheduler.store.memory import InMemoryCursorStore

TICK = datetime(2024, 3, 1, 10, 5, tzinfo=UTC)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[CursorStore]:
    if request.param == "memory":
        yield InMemoryCursorStore()
        return
    client = Redis.from_url(
        f"redis://127.0.0.1:{os.environ.get('FLIGHTDECK_REDIS_PORT', '16379')}/0"
    )
    prefix = f"test:scheduler:{uuid.uuid4().hex[:12]}"
    try:
        yield RedisCursorStore(client, prefix)
    finally:
        await client.delete(f"{prefix}:last-ticks")
        await client.aclose()


async def test_an_unknown_schedule_has_no_tick(store: CursorStore) -> None:
    assert await store.last_tick("p/d/n/v1") is None


async def test_the_latest_tick_stays_whatever_the_order_of_records(store: CursorStore) -> None:
    await store.record_tick("p/d/n/v1", TICK)
    await store.record_tick("p/d/n/v1", TICK - timedelta(minutes=1))
    assert await store.last_tick("p/d/n/v1") == TICK
    await store.record_tick("p/d/n/v1", TICK + timedelta(minutes=1))
    assert await store.last_tick("p/d/n/v1") == TICK + timedelta(minutes=1)


async def test_schedules_are_kept_apart(store: CursorStore) -> None:
    await store.record_tick("p/d/n/v1", TICK)
    await store.record_tick("p/d/n/v2", TICK + timedelta(hours=1))
    assert await store.last_tick("p/d/n/v1") == TICK
    assert await store.last_tick("p/d/n/v2") == TICK + timedelta(hours=1)

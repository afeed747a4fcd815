"""Fixtures of the signals tests: a private key prefix on the local stack's Redis per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from flightdeck_signals.store.keys import SignalKeys
from flightdeck_signals.store.signals import RedisSignalStore


@pytest.fixture
def stack_redis_url() -> str:
    return f"redis://127.0.0.1:{os.environ.get('FLIGHTDECK_REDIS_PORT', '16379')}/0"


@pytest.fixture
def key_prefix() -> str:
    return f"test:signals:{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def redis_client(stack_redis_url: str, key_prefix: str) -> AsyncIterator[Redis]:
    """A client of the shared Redis; the keys under this test's prefix are removed afterwards
    (a scan, but only in test clean-up)."""
    client = Redis.from_url(stack_redis_url)
    try:
        yield client
    finally:
        leftovers = [key async for key in client.scan_iter(match=f"{key_prefix}:*", count=1000)]
        if leftovers:
            await client.delete(*leftovers)
        await client.aclose()


@pytest.fixture
def redis_store(redis_client: Redis, key_prefix: str) -> RedisSignalStore:
    return RedisSignalStore(redis_client, SignalKeys(key_prefix))


@pytest.fixture
def stack_kafka_bootstrap() -> str:
    return f"127.0.0.1:{os.environ.get('FLIGHTDECK_KAFKA_PORT', '19092')}"

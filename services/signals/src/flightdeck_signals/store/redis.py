"""The Redis connection behind the signal store."""

from __future__ import annotations

from redis.asyncio import Redis

from flightdeck_platform.settings import RedisSettings


def connect(settings: RedisSettings) -> Redis:
    """Connects lazily: the first command, not this call, reaches the server."""
    return Redis.from_url(settings.url)


async def ping(client: Redis) -> None:
    await client.ping()

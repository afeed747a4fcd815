"""The last handled tick of each schedule, in Redis: one hash, field = launch plan version
(``project/domain/name/version``), value = the tick in Unix milliseconds. Recording keeps the
larger of the stored and the new tick in one script, so replicas recording the same schedule in
any order leave the latest tick. Redis runs with AOF (deploy/local); losing a recent write only
makes a restart ask admin again for ticks it already has (ALREADY_EXISTS)."""

from __future__ import annotations

from datetime import UTC, datetime

from redis.asyncio import Redis

from flightdeck_platform.settings import RedisSettings

_RECORD_LATEST = """
local stored = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if tonumber(ARGV[2]) > stored then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 1
"""


def connect(settings: RedisSettings) -> Redis:
    """Connects lazily: the first command, not this call, reaches the server."""
    return Redis.from_url(settings.url)


async def ping(client: Redis) -> None:
    await client.ping()


class RedisCursorStore:
    def __init__(self, client: Redis, key_prefix: str) -> None:
        self._client = client
        self._key = f"{key_prefix}:last-ticks"
        self._record = client.register_script(_RECORD_LATEST)

    async def last_tick(self, schedule_key: str) -> datetime | None:
        stored = await self._client.hget(self._key, schedule_key)  # type: ignore[misc]
        if stored is None:
            return None
        return datetime.fromtimestamp(int(stored) / 1000, UTC)

    async def record_tick(self, schedule_key: str, tick: datetime) -> None:
        millis = int(tick.timestamp() * 1000)
        await self._record(keys=[self._key], args=[schedule_key, millis])

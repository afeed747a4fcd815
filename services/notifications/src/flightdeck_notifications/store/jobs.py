"""The notification queue in Redis. Every key shares the hash tag ``{<prefix>}``, so each
script touches one slot (Redis Cluster) while a job is small and short-lived.

| key | type | holds |
|---|---|---|
| ``{P}:seen:<job>`` | STRING, expires | the job was queued: de-duplication for ``dedup_seconds`` |
| ``{P}:job:<job>`` | HASH | ``execution`` (serialized id), ``phase``, ``attempts``, ``error`` |
| ``{P}:done:<job>`` | SET | keys of the deliveries that went out |
| ``{P}:due`` | ZSET | job keys by the time (ms) they are due; a claim pushes it by the lease |
| ``{P}:dead`` | LIST | dead-lettered jobs (JSON), newest first, capped |

Queueing checks ``seen`` and writes the job in one script, so a feed record delivered twice
queues one job; a claim takes due jobs and moves them past the lease in one script, so two
replicas never hold the same job at once.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

from flyteidl.core import identifier_pb2
from redis.asyncio import Redis

from flightdeck_notifications.service.ports import Job
from flightdeck_platform.settings import RedisSettings

_ENQUEUE = """
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[1]) then return 0 end
redis.call('HSET', KEYS[2], 'execution', ARGV[4], 'phase', ARGV[5], 'attempts', 0)
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[3])
return 1
"""
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[2]), member)
end
return due
"""


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def connect(settings: RedisSettings) -> Redis:
    """Connects lazily: the first command, not this call, reaches the server."""
    return Redis.from_url(settings.url)


async def ping(client: Redis) -> None:
    await client.ping()


class RedisJobQueue:
    def __init__(
        self, client: Redis, key_prefix: str, dedup: timedelta, dead_letter_cap: int
    ) -> None:
        self._client = client
        self._tag = "{" + key_prefix + "}"
        self._dedup_ms = int(dedup.total_seconds() * 1000)
        self._dead_cap = dead_letter_cap
        self._enqueue = client.register_script(_ENQUEUE)
        self._claim = client.register_script(_CLAIM)

    def _key(self, kind: str, job: str = "") -> str:
        return f"{self._tag}:{kind}:{job}" if job else f"{self._tag}:{kind}"

    async def enqueue(
        self, key: str, execution: identifier_pb2.WorkflowExecutionIdentifier, phase: str
    ) -> bool:
        keys = [self._key("seen", key), self._key("job", key), self._key("due")]
        now = int(time.time() * 1000)
        args = [self._dedup_ms, now, key, execution.SerializeToString(), phase]
        return bool(await self._enqueue(keys=keys, args=args))

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Job]:
        lease_ms = int(lease.total_seconds() * 1000)
        members = await self._claim(keys=[self._key("due")], args=[_millis(now), lease_ms, limit])
        jobs = []
        for member in members:
            key = member.decode()
            job = await self._read(key)
            if job is None:  # completed elsewhere between the two reads
                await self._client.zrem(self._key("due"), key)
                continue
            jobs.append(job)
        return jobs

    async def _read(self, key: str) -> Job | None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hgetall(self._key("job", key))
            pipe.smembers(self._key("done", key))
            fields, done = await pipe.execute()
        if not fields:
            return None
        execution = identifier_pb2.WorkflowExecutionIdentifier.FromString(fields[b"execution"])
        return Job(
            key,
            execution,
            fields[b"phase"].decode(),
            int(fields[b"attempts"]),
            frozenset(d.decode() for d in done),
        )

    async def mark_done(self, key: str, delivery_key: str) -> None:
        await self._client.sadd(self._key("done", key), delivery_key)  # type: ignore[misc]

    async def complete(self, key: str) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("job", key), self._key("done", key))
            pipe.zrem(self._key("due"), key)
            await pipe.execute()

    async def retry(self, key: str, attempts: int, at: datetime, error: str) -> None:
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.hset(self._key("job", key), mapping={"attempts": attempts, "error": error})
            pipe.zadd(self._key("due"), {key: _millis(at)})
            await pipe.execute()

    async def dead_letter(self, job: Job, error: str) -> None:
        e = job.execution
        record = {
            "job": job.key,
            "execution": f"{e.project}/{e.domain}/{e.name}",
            "phase": job.phase,
            "attempts": job.attempts + 1,
            "delivered": sorted(job.done),
            "error": error,
        }
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.lpush(self._key("dead"), json.dumps(record))
            pipe.ltrim(self._key("dead"), 0, self._dead_cap - 1)
            pipe.delete(self._key("job", job.key), self._key("done", job.key))
            pipe.zrem(self._key("due"), job.key)
            await pipe.execute()

    async def pending(self) -> int:
        return int(await self._client.zcard(self._key("due")))

    async def dead_letters(self) -> list[dict[str, object]]:
        """The dead letters, newest first (for operators and tests)."""
        return [json.loads(r) for r in await self._client.lrange(self._key("dead"), 0, -1)]  # type: ignore[misc]

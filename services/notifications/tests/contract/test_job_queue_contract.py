"""One contract for the notification queue, run against the in-memory fake and the local
stack's Redis (under a key prefix of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from flyteidl.core import identifier_pb2
from redis.asyncio import Redis

from flightdeck_notifications.service.ports import JobQueue
from flightdeck_notifications.store.jobs import RedisJobQueue
from flightdeck_notifications.store.memory import InMemoryJobQueue

RUN = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="r1")
KEY = "p/development/r1/FAILED"
LEASE = timedelta(minutes=1)


def _now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.integration)])
async def queue(request: pytest.FixtureRequest) -> AsyncIterator[JobQueue]:
    if request.param == "memory":
        yield InMemoryJobQueue()
        return
    port = os.environ.get("FLIGHTDECK_REDIS_PORT", "16379")
    client = Redis.from_url(f"redis://127.0.0.1:{port}/0")
    prefix = f"test:notifications:{uuid.uuid4().hex[:12]}"
    try:
        yield RedisJobQueue(client, prefix, timedelta(minutes=5), dead_letter_cap=2)
    finally:
        leftovers = [k async for k in client.scan_iter(match="{" + prefix + "}:*", count=1000)]
        if leftovers:
            await client.delete(*leftovers)
        await client.aclose()


async def test_a_job_is_queued_once_and_claimed_by_one_claimer_at_a_time(queue: JobQueue) -> None:
    assert await queue.enqueue(KEY, RUN, "FAILED")
    assert not await queue.enqueue(KEY, RUN, "FAILED")
    [job] = await queue.claim(_now(), 10, LEASE)
    assert (job.key, job.execution, job.phase, job.attempts, job.done) == (
        KEY,
        RUN,
        "FAILED",
        0,
        frozenset(),
    )
    assert await queue.claim(_now(), 10, LEASE) == []  # leased
    [again] = await queue.claim(_now() + LEASE + timedelta(seconds=1), 10, LEASE)
    assert again.key == KEY  # the lease expired: another claimer takes it over


async def test_done_deliveries_and_attempts_survive_a_retry(queue: JobQueue) -> None:
    await queue.enqueue(KEY, RUN, "FAILED")
    await queue.claim(_now(), 10, LEASE)
    await queue.mark_done(KEY, "0:email")
    at = _now() + timedelta(seconds=30)
    await queue.retry(KEY, 1, at, "smtp down")
    assert await queue.claim(_now(), 10, LEASE) == []
    [job] = await queue.claim(at + timedelta(seconds=1), 10, LEASE)
    assert (job.attempts, job.done) == (1, frozenset({"0:email"}))
    assert await queue.pending() == 1


async def test_completed_and_dead_lettered_jobs_leave_the_queue(queue: JobQueue) -> None:
    other = "p/development/r2/FAILED"
    await queue.enqueue(KEY, RUN, "FAILED")
    await queue.enqueue(other, RUN, "FAILED")
    first, second = await queue.claim(_now(), 10, LEASE)
    await queue.complete(first.key)
    await queue.dead_letter(second, "gave up")
    assert await queue.pending() == 0
    assert await queue.claim(_now() + 2 * LEASE, 10, LEASE) == []
    assert not await queue.enqueue(KEY, RUN, "FAILED")  # still known: no second notice

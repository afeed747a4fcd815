"""The notification queue in memory: for unit tests of the use cases, held to the same
contract as the Redis queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flyteidl.core import identifier_pb2

from flightdeck_notifications.service.ports import Job


class InMemoryJobQueue:
    def __init__(self) -> None:
        self.seen: set[str] = set()
        self.jobs: dict[str, Job] = {}
        self.due: dict[str, datetime] = {}
        self.dead: list[dict[str, object]] = []
        self.errors: dict[str, str] = {}

    async def enqueue(
        self, key: str, execution: identifier_pb2.WorkflowExecutionIdentifier, phase: str
    ) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        self.jobs[key] = Job(key, execution, phase, 0, frozenset())
        self.due[key] = datetime.min.replace(tzinfo=UTC)
        return True

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Job]:
        due = sorted((at, key) for key, at in self.due.items() if at <= now)[:limit]
        for _, key in due:
            self.due[key] = now + lease
        return [self.jobs[key] for _, key in due]

    async def mark_done(self, key: str, delivery_key: str) -> None:
        job = self.jobs[key]
        self.jobs[key] = Job(key, job.execution, job.phase, job.attempts, job.done | {delivery_key})

    async def complete(self, key: str) -> None:
        self.jobs.pop(key, None)
        self.due.pop(key, None)

    async def retry(self, key: str, attempts: int, at: datetime, error: str) -> None:
        job = self.jobs[key]
        self.jobs[key] = Job(key, job.execution, job.phase, attempts, job.done)
        self.due[key] = at
        self.errors[key] = error

    async def dead_letter(self, job: Job, error: str) -> None:
        self.dead.append({"job": job.key, "error": error, "delivered": sorted(job.done)})
        await self.complete(job.key)

    async def pending(self) -> int:
        return len(self.due)

"""Delivering queued jobs, apart from the feed: a slow or failing channel delays its own jobs,
never the feed. A job reads its execution from admin, then sends each delivery it still owes,
recording each one that went out at once, so a retry (or a replica that takes over an expired
lease) sends only what is missing. Failures are retried with exponential backoff; after
``max_attempts`` the job is dead-lettered and counted."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flightdeck_notifications.domain import rules
from flightdeck_notifications.domain.errors import (
    ChannelUnconfigured,
    DeliveryFailed,
    ExecutionUnreadable,
)
from flightdeck_notifications.domain.messages import Message, Templates, message
from flightdeck_notifications.service import metrics
from flightdeck_notifications.service.ports import Channels, Executions, Job, JobQueue

Clock = Callable[[], datetime]

_log = logging.getLogger("flightdeck.notifications.dispatch")


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Policy:
    templates: Templates
    console_url: str
    slack: rules.SlackRoutes
    max_attempts: int = 8
    first_backoff: timedelta = timedelta(seconds=5)
    max_backoff: timedelta = timedelta(minutes=10)
    lease: timedelta = timedelta(minutes=2)
    batch: int = 16

    def backoff(self, attempts: int) -> timedelta:
        return min(self.first_backoff * 2 ** max(attempts - 1, 0), self.max_backoff)


class Dispatcher:
    def __init__(
        self,
        queue: JobQueue,
        executions: Executions,
        channels: Channels,
        policy: Policy,
        clock: Clock = utc_now,
    ) -> None:
        self._queue = queue
        self._executions = executions
        self._channels = channels
        self._policy = policy
        self._clock = clock

    async def dispatch_due(self) -> int:
        """Handles the jobs due now (one batch); returns how many were claimed."""
        jobs = await self._queue.claim(self._clock(), self._policy.batch, self._policy.lease)
        await asyncio.gather(*(self._guarded(job) for job in jobs))
        return len(jobs)

    async def _guarded(self, job: Job) -> None:
        try:
            await self.handle(job)
        except Exception:  # the queue or a bug: the lease expires and the job comes again
            _log.exception("handling a notification job failed", extra={"job": job.key})

    async def handle(self, job: Job) -> None:
        try:
            execution = await self._executions.get(job.execution)
        except ExecutionUnreadable as error:
            metrics.READ_FAILURES.inc()
            await self._failed(job, [], str(error))
            return
        owed = rules.deliveries(execution, job.phase, self._policy.slack)
        text = message(self._policy.templates, execution, job.phase, self._policy.console_url)
        failed: list[rules.Delivery] = []
        errors: list[str] = []
        for delivery in (d for d in owed if d.key not in job.done):
            problem = await self._deliver(job, delivery, text)
            if problem:
                failed.append(delivery)
                errors.append(problem)
        if failed:
            await self._failed(job, failed, "; ".join(errors))
        else:
            await self._queue.complete(job.key)

    async def _deliver(self, job: Job, delivery: rules.Delivery, text: Message) -> str:
        """Sends one delivery; returns the error, empty when it is settled."""
        context = {"job": job.key, "delivery": delivery.key, "channel": delivery.channel}
        try:
            if delivery.webhook:
                await self._channels.slack(delivery.webhook, text.slack)
            else:
                await self._channels.email(delivery.recipients, text.subject, text.body)
        except ChannelUnconfigured as error:
            metrics.SKIPPED.labels(delivery.channel).inc()
            _log.warning("notification skipped", extra={**context, "reason": str(error)})
        except DeliveryFailed as error:
            metrics.FAILED.labels(delivery.channel).inc()
            _log.warning("notification failed", extra={**context, "error": str(error)})
            return f"{delivery.key}: {error}"
        else:
            metrics.SENT.labels(delivery.channel).inc()
            _log.info("notification sent", extra=context)
        await self._queue.mark_done(job.key, delivery.key)
        return ""

    async def _failed(self, job: Job, failed: list[rules.Delivery], error: str) -> None:
        attempts = job.attempts + 1
        if attempts >= self._policy.max_attempts:
            for delivery in failed:
                metrics.GIVEN_UP.labels(delivery.channel).inc()
            if not failed:
                metrics.GIVEN_UP.labels("execution").inc()  # GetExecution kept failing
            _log.error("notification job given up", extra={"job": job.key, "error": error})
            await self._queue.dead_letter(job, error)
            return
        at = self._clock() + self._policy.backoff(attempts)
        await self._queue.retry(job.key, attempts, at, error)

    async def run(self, poll_interval: float) -> None:
        """Dispatches until cancelled: at once while jobs keep coming, else every poll."""
        while True:
            claimed = 0
            try:
                claimed = await self.dispatch_due()
                metrics.PENDING.set(await self._queue.pending())
            except asyncio.CancelledError:
                raise
            except Exception as error:  # the queue unreachable: the next round retries
                _log.warning("notification dispatch round failed", extra={"error": repr(error)})
            if claimed < self._policy.batch:
                await asyncio.sleep(poll_interval)

"""Delivering the executions' outbox: each owed message's blobs written, the command published
on Kafka, then the message cleared from the execution. Publishing happens right after the
durable write; the relay re-delivers whatever a crash (or an unreachable broker) left pending,
at start-up and then periodically. A message may so be published more than once, always with
the same message id: consumers de-duplicate by it.

The relay delivers each execution's messages on their own: one that fails is counted against
(``OutboxMessage.attempts``, in the store, so replicas and restarts share the count) and the
relay moves on to the next execution; once its attempts are spent the message is parked. A
failure to reach Kafka or the object store (``faults.Unavailable``) counts against nothing and
ends the pass: every message would fail alike, and an outage must not park the outbox."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeAlias

from flyteidl.core import identifier_pb2

from flightdeck_admin.domain import outbox
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.domain.outbox import Backlog, OutboxMessage
from flightdeck_admin.service.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_DELIVERED,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PARKED,
    OUTBOX_RELAY_FAILURES,
)
from flightdeck_platform import faults
from flightdeck_storage import ObjectStore

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier
Checkpoint = Callable[[str], None]
"""Called with a named point of the delivery; tests crash the process there."""

_log = logging.getLogger("flightdeck.admin.outbox")


class CommandPublisher(Protocol):
    async def publish(self, execution_id: ExecutionId, message: OutboxMessage) -> None:
        """Returns once the broker acknowledged the message; raises ``faults.Unavailable`` when
        the broker cannot be reached (or does not answer in time)."""


class OutboxStore(Protocol):
    async def pending(self, queued_before: datetime, limit: int) -> list[ExecutionRecord]: ...

    async def clear(
        self,
        execution_id: ExecutionId,
        message_id: str,
        owed_as_known: Sequence[OutboxMessage] = (),
    ) -> None:
        """Takes the message out of the execution's owed ones; ``owed_as_known`` is the caller's
        view of them (possibly stale: only a hint that may spare the store a read)."""

    async def record_failure(
        self, execution_id: ExecutionId, seen: OutboxMessage, failed: OutboxMessage
    ) -> bool:
        """Stores ``failed`` in place of ``seen`` (parked when ``failed.parked_at`` is set)
        unless the stored message changed since it was read; True when written."""

    async def backlog(self, now: datetime) -> Backlog: ...


def no_checkpoint(point: str) -> None:
    """Production: nothing happens at the checkpoints."""


class Outbox:
    def __init__(
        self,
        store: OutboxStore,
        publisher: CommandPublisher,
        blobs: ObjectStore,
        checkpoint: Checkpoint = no_checkpoint,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_attempts: int = outbox.DEFAULT_DELIVERY_ATTEMPTS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError(f"max_attempts must be at least 1, not {max_attempts}")
        self._store = store
        self._publisher = publisher
        self._blobs = blobs
        self._checkpoint = checkpoint
        self._clock = clock
        self._max_attempts = max_attempts
        self._unreachable = False
        """Kafka or the object store was unreachable at the last delivery: requests then leave
        their messages to the relay at once instead of each waiting out the publish timeout;
        the relay's next successful delivery lifts it."""

    async def deliver(self, execution_id: ExecutionId, messages: Sequence[OutboxMessage]) -> None:
        for at, message in enumerate(messages):
            await self._send(execution_id, message)
            await self._cleared(execution_id, messages[at:], "request")

    async def try_deliver(
        self, execution_id: ExecutionId, messages: Sequence[OutboxMessage]
    ) -> None:
        """Right after the durable write: a failure leaves the messages to the relay, since
        the caller's request has already succeeded."""
        if self._unreachable:
            return
        try:
            await self.deliver(execution_id, messages)
        except Exception:
            _log.warning("outbox delivery deferred to the relay", exc_info=True)

    async def relay_once(self, grace: timedelta, batch: int = 100) -> int:
        """Delivers the messages queued more than ``grace`` ago (younger ones may still be in
        their creator's hands), each execution once a pass; then refreshes the backlog gauges.
        Returns how many were delivered."""
        delivered = 0
        tried: set[str] = set()
        try:
            while True:
                due = await self._store.pending(self._clock() - grace, batch)
                fresh = [r for r in due if _key(r.execution.id) not in tried]
                for record in fresh:
                    tried.add(_key(record.execution.id))
                    delivered += await self._relay(record)
                if not fresh or len(due) < batch:
                    break
        except faults.Unavailable as error:
            OUTBOX_RELAY_FAILURES.labels("transient").inc()
            _log.warning("outbox relay pass stopped, to retry next pass: %s", error)
        await self._report_backlog()
        return delivered

    async def relay_forever(self, interval: timedelta, grace: timedelta) -> None:
        while True:
            try:
                delivered = await self.relay_once(grace)
            except Exception:
                _log.warning("outbox relay pass failed; retrying", exc_info=True)
            else:
                if delivered:
                    _log.info("outbox relay delivered", extra={"messages": delivered})
            await asyncio.sleep(interval.total_seconds())

    async def _relay(self, record: ExecutionRecord) -> int:
        """The execution's messages in order, stopping at one that fails, so that no command
        overtakes an earlier one (a termination before its creation)."""
        execution_id = record.execution.id
        for sent, message in enumerate(record.pending_messages):
            try:
                await self._send(execution_id, message)
            except faults.Unavailable:
                raise
            except Exception as error:
                await self._count_failure(execution_id, message, error)
                return sent
            await self._cleared(execution_id, record.pending_messages[sent:], "relay")
        return len(record.pending_messages)

    async def _send(self, execution_id: ExecutionId, message: OutboxMessage) -> None:
        try:
            for blob in message.blobs:
                await self._blobs.write(blob.key, blob.data)
            await self._publisher.publish(execution_id, message)
        except faults.Unavailable:
            self._unreachable = True
            raise
        self._unreachable = False
        self._checkpoint("after_publish")

    async def _cleared(
        self, execution_id: ExecutionId, owed: Sequence[OutboxMessage], path: str
    ) -> None:
        """Clears ``owed[0]``, which was just sent; ``owed`` is what the caller knows is owed."""
        await self._store.clear(execution_id, owed[0].message_id, owed)
        OUTBOX_DELIVERED.labels(path).inc()

    async def _count_failure(
        self, execution_id: ExecutionId, message: OutboxMessage, error: Exception
    ) -> None:
        OUTBOX_RELAY_FAILURES.labels("permanent").inc()
        failed = outbox.failed_delivery(
            message, _described(error), self._max_attempts, self._clock()
        )
        if not await self._store.record_failure(execution_id, message, failed):
            return  # another relay counted this attempt, or delivered the message meanwhile
        context = {
            "execution_id": _key(execution_id),
            "message_id": message.message_id,
            "kind": message.kind,
            "attempts": failed.attempts,
        }
        if failed.parked_at is None:
            _log.warning(
                "outbox message %s failed: %s", message.message_id, failed.last_error, extra=context
            )
            return
        OUTBOX_PARKED.inc()
        _log.error(
            "outbox message %s (%s of %s) parked after %d attempts: %s",
            message.message_id,
            message.kind,
            context["execution_id"],
            failed.attempts,
            failed.last_error,
            extra=context,
        )

    async def _report_backlog(self) -> None:
        now = self._clock()
        backlog = await self._store.backlog(now)
        OUTBOX_BACKLOG.set(backlog.messages)
        OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds(now))


def _key(execution_id: ExecutionId) -> str:
    return f"{execution_id.project}/{execution_id.domain}/{execution_id.name}"


def _described(error: Exception) -> str:
    text = str(error)
    name = type(error).__name__
    return text if text.startswith(name) else f"{name}: {text}"

"""Delivering the executions' outbox: each owed message's blobs written, the command published
on Kafka, then the message cleared from the execution. Publishing happens right after the
durable write; the relay re-delivers whatever a crash (or an unreachable broker) left pending,
at start-up and then periodically. A message may so be published more than once, always with
the same message id: consumers de-duplicate by it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Protocol, TypeAlias

from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_storage import ObjectStore

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier
Checkpoint = Callable[[str], None]
"""Called with a named point of the delivery; tests crash the process there."""

_log = logging.getLogger("flightdeck.admin.outbox")


class CommandPublisher(Protocol):
    async def publish(self, execution_id: ExecutionId, message: OutboxMessage) -> None:
        """Returns once the broker acknowledged the message."""


class OutboxStore(Protocol):
    async def pending(self, queued_before: datetime, limit: int) -> list[ExecutionRecord]: ...

    async def clear(self, execution_id: ExecutionId, message_id: str) -> None: ...


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
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._blobs = blobs
        self._checkpoint = checkpoint
        self._clock = clock

    async def deliver(self, execution_id: ExecutionId, messages: Sequence[OutboxMessage]) -> None:
        for message in messages:
            for blob in message.blobs:
                await self._blobs.write(blob.key, blob.data)
            await self._publisher.publish(execution_id, message)
            self._checkpoint("after_publish")
            await self._store.clear(execution_id, message.message_id)

    async def try_deliver(
        self, execution_id: ExecutionId, messages: Sequence[OutboxMessage]
    ) -> None:
        """Right after the durable write: a failure leaves the messages to the relay, since
        the caller's request has already succeeded."""
        try:
            await self.deliver(execution_id, messages)
        except Exception:
            _log.warning("outbox delivery deferred to the relay", exc_info=True)

    async def relay_once(self, grace: timedelta, batch: int = 100) -> int:
        """Delivers the messages queued more than ``grace`` ago (younger ones may still be in
        their creator's hands). Returns how many were delivered."""
        delivered = 0
        while True:
            due = await self._store.pending(self._clock() - grace, batch)
            for record in due:
                await self.deliver(record.execution.id, record.pending_messages)
                delivered += len(record.pending_messages)
            if len(due) < batch:
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

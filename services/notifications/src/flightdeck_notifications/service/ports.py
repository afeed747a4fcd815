"""What notifying needs: admin's executions, a durable queue of owed notifications, and the
channels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2


@dataclass(frozen=True)
class Job:
    """The notifications one execution owes for one terminal phase."""

    key: str
    execution: identifier_pb2.WorkflowExecutionIdentifier
    phase: str
    attempts: int
    done: frozenset[str]
    """Keys of the deliveries that already went out (or were skipped for good)."""


class Executions(Protocol):
    async def get(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier
    ) -> execution_pb2.Execution:
        """Raises ExecutionUnreadable."""


class JobQueue(Protocol):
    async def enqueue(
        self, key: str, execution: identifier_pb2.WorkflowExecutionIdentifier, phase: str
    ) -> bool:
        """Queues the job, due now; False (and nothing queued) when the key was queued before,
        within the de-duplication period."""

    async def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Job]:
        """Up to ``limit`` due jobs, each hidden from other claims for ``lease``."""

    async def mark_done(self, key: str, delivery_key: str) -> None: ...

    async def complete(self, key: str) -> None: ...

    async def retry(self, key: str, attempts: int, at: datetime, error: str) -> None: ...

    async def dead_letter(self, job: Job, error: str) -> None:
        """Removes the job, keeping it with the error in the (capped) dead letters."""

    async def pending(self) -> int: ...


class Channels(Protocol):
    async def email(self, recipients: tuple[str, ...], subject: str, html_body: str) -> None:
        """Raises DeliveryFailed, or ChannelUnconfigured without an SMTP server."""

    async def slack(self, webhook: str, text: str) -> None:
        """Raises DeliveryFailed."""

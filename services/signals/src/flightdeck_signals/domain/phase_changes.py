"""Which phase changes of the execution feed end an execution's signals' life.

Only a workflow execution reaching a terminal phase counts: node and task changes, and
non-terminal workflow changes, say nothing about how long the execution's signals are needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from flyteidl.core import identifier_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_signals.domain.signals import is_complete

Change = events_pb2.ExecutionPhaseChanged


@dataclass(frozen=True)
class ReceivedChange:
    """A change as delivered; ``received_at`` stands in for a missing ``occurred_at``."""

    change: events_pb2.ExecutionPhaseChanged
    received_at: datetime


@dataclass(frozen=True)
class ExecutionEnded:
    execution: identifier_pb2.WorkflowExecutionIdentifier
    at: datetime


def ends_execution(change: events_pb2.ExecutionPhaseChanged) -> bool:
    """A terminal workflow change of an execution the signals' keys can name."""
    return change.entity == Change.WORKFLOW and change.terminal and is_complete(change.execution_id)


def ended_at(received: ReceivedChange) -> datetime:
    """When the execution became terminal: the event's time, else the feed's delivery time
    (never the epoch, which would make the signals expire at once)."""
    occurred = received.change.occurred_at
    if occurred.seconds or occurred.nanos:
        return occurred.ToDatetime(tzinfo=UTC)
    return received.received_at


def executions_ended(changes: Iterable[ReceivedChange]) -> list[ExecutionEnded]:
    """The executions that ended, in feed order; everything else is ignored."""
    return [
        ExecutionEnded(received.change.execution_id, ended_at(received))
        for received in changes
        if ends_execution(received.change)
    ]

"""The records one batch of events touches, loaded once, folded in memory, written back once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from flyteidl.core import identifier_pb2

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.documents import EventPosition
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


def execution_key(execution_id: ExecutionId) -> str:
    return f"{execution_id.project}/{execution_id.domain}/{execution_id.name}"


@dataclass(frozen=True)
class Announcement:
    """A phase change the feed owes for the event at ``position``. The record that event changed
    keeps it until the batch's offsets are committed: a crash between the record's write and the
    publish then announces it again when the event is redelivered (consumers de-duplicate by
    event id), and the feed never carries a change that was not written."""

    position: EventPosition
    change: events_pb2.ExecutionPhaseChanged


@dataclass(frozen=True)
class Loaded:
    """What the stored document held when the batch read it. Every write is conditional on
    ``applied`` being still there: a projector that lost its partitions in a rebalance (and
    still folds an old batch) can then never overwrite what the partition's new owner wrote."""

    applied: EventPosition | None
    announcing: tuple[Announcement, ...] = ()


@dataclass
class ExecutionEntry:
    execution_id: ExecutionId
    loaded_phase: int
    """The phase the document held when loaded: the write is conditional on it, because admin's
    TerminateExecution may move the phase to ABORTING meanwhile."""
    progress: ExecutionProgress
    applied: EventPosition | None
    loaded: Loaded = Loaded(None)
    announcing: tuple[Announcement, ...] = ()
    """The changes this record owes the feed (see ``Announcement``), written with it."""


@dataclass
class NodeEntry:
    record: NodeRecord
    applied: EventPosition | None
    loaded: Loaded | None = None
    """``None`` if the document did not exist when the batch was loaded: the write inserts it
    (refusing a document created meanwhile); otherwise it updates it, fenced by ``Loaded``."""
    announcing: tuple[Announcement, ...] = ()

    @property
    def stored(self) -> bool:
        return self.loaded is not None


@dataclass
class TaskEntry:
    record: TaskRecord
    applied: EventPosition | None
    loaded: Loaded | None = None
    """As ``NodeEntry.loaded``."""
    announcing: tuple[Announcement, ...] = ()

    @property
    def stored(self) -> bool:
        return self.loaded is not None


@dataclass
class WorkingSet:
    executions: dict[str, ExecutionEntry] = field(default_factory=dict)
    nodes: dict[str, NodeEntry] = field(default_factory=dict)
    """By ``flightdeck_records.node_executions.node_key``."""
    tasks: dict[str, TaskEntry] = field(default_factory=dict)
    """By ``flightdeck_records.task_executions.task_key``."""


@dataclass(frozen=True)
class Wanted:
    """The keys a batch needs loaded: its own records and every record its events refer to."""

    executions: frozenset[tuple[str, str, str]]
    nodes: frozenset[str]
    tasks: frozenset[str]

"""The records one batch of events touches, loaded once, folded in memory, written back once."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

from flyteidl.core import identifier_pb2

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_records.documents import EventPosition
from flightdeck_records.node_executions import NodeRecord
from flightdeck_records.task_executions import TaskRecord

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


def execution_key(execution_id: ExecutionId) -> str:
    return f"{execution_id.project}/{execution_id.domain}/{execution_id.name}"


@dataclass
class ExecutionEntry:
    execution_id: ExecutionId
    loaded_phase: int
    """The phase the document held when loaded: the write is conditional on it, because admin's
    TerminateExecution may move the phase to ABORTING meanwhile."""
    progress: ExecutionProgress
    applied: EventPosition | None


@dataclass
class NodeEntry:
    record: NodeRecord
    applied: EventPosition | None
    stored: bool
    """Whether the document existed when the batch was loaded: the write updates it by key if
    so, and inserts it (refusing a document created meanwhile) if not."""


@dataclass
class TaskEntry:
    record: TaskRecord
    applied: EventPosition | None
    stored: bool
    """As ``NodeEntry.stored``."""


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

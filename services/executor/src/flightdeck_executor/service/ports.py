"""What the engine needs from the world, as protocols; adapters live in store/, clients/ and
processes/."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Protocol

from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from google.protobuf.message import Message

from flightdeck_executor.domain.run_state import RunState
from flightdeck_platform import faults
from flightdeck_platform.poison import Position
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2


class Delivery(Enum):
    """What became of one event sent to the control plane."""

    ACCEPTED = "accepted"
    ALREADY_EXISTS = "already_exists"
    RETRY = "retry"
    """Transient (unavailable, deadline): the same event is sent again later."""
    REJECTED = "rejected"
    """Refused for what it says; re-sending cannot help."""
    STOP = "stop"
    """The control plane refuses the run itself (terminal already, another cluster)."""


class EventSink(Protocol):
    async def send(self, kind: str, request: Message) -> tuple[Delivery, str]:
        """``kind`` is workflow, node or task; returns the outcome and the server's message."""


@dataclass
class PendingEvent:
    kind: str
    payload: bytes
    attempts: int = 0


@dataclass
class StoredRun:
    key: str
    partition: int
    created: executions_pb2.ExecutionCreated
    state: RunState
    outbox: list[PendingEvent] = field(default_factory=list)
    abort_cause: str = ""


class StoreUnavailable(faults.Unavailable):
    """The run store cannot be reached (an outage, a failover): every run and command would fail
    alike, so callers wait and retry and never give anything up for it."""


@dataclass(frozen=True)
class CommandDeadLetter:
    """A command that kept failing, as it came off Kafka (so it can be produced again)."""

    position: Position
    message_key: bytes
    payload: bytes
    run: str
    """The run it is about; "" when the command names none."""
    reason: str
    attempts: int


class RunStore(Protocol):
    """Raises StoreUnavailable when the store cannot be reached."""

    async def add(self, run: StoredRun) -> bool:
        """Stores a new run; False when a run with that key exists (a redelivered command)."""

    async def load(self, key: str) -> StoredRun | None: ...

    async def save(self, run: StoredRun) -> None:
        """Writes state and outbox in one document update."""

    async def request_abort(self, key: str, cause: str) -> bool:
        """False when there is no such run."""

    async def unfinished(self, partitions: Sequence[int]) -> list[str]:
        """Keys of the runs on those partitions still to drive."""

    async def finish(self, key: str) -> None: ...

    async def dead_letter(self, key: str, event: PendingEvent, reason: str) -> None: ...

    async def dead_letter_command(self, letter: CommandDeadLetter) -> None:
        """Kept next to the refused events, as kind ``command``."""

    async def set_aside(self, key: str, reason: str) -> None:
        """Takes a run that cannot be read out of the runs to drive, recording it among the
        dead letters as kind ``run``; its document stays for an operator to inspect."""


class ProcessStatus(Protocol):
    """One of the runner's status values (processes.local)."""


class TaskProcesses(Protocol):
    async def launch(
        self, attempt_dir: Path, argv: Sequence[str], env: Mapping[str, str], cwd: Path
    ) -> None: ...

    async def status(self, attempt_dir: Path) -> object: ...

    async def kill(self, attempt_dir: Path, grace_seconds: float = 5.0) -> None: ...

    def log_tail(self, attempt_dir: Path, max_bytes: int = 4096) -> str: ...

    def started_at(self, attempt_dir: Path) -> datetime | None: ...


class Signals(Protocol):
    async def get_or_create(
        self,
        execution_id: identifier_pb2.WorkflowExecutionIdentifier,
        signal_id: str,
        literal_type: types_pb2.LiteralType,
    ) -> literals_pb2.Literal | None:
        """The signal's value once set, else None (the signal now exists)."""


CHILD_NOT_FOUND = "NOT_FOUND"
"""``ChildStatus.phase`` of a child execution admin does not know (``error`` says why)."""


@dataclass(frozen=True)
class ChildStatus:
    phase: str
    outputs: literals_pb2.LiteralMap | None = None
    error: object = None


class ChildExecutions(Protocol):
    """Launch-plan nodes' child executions, through admin."""

    async def create(
        self,
        child: identifier_pb2.WorkflowExecutionIdentifier,
        launch_plan: identifier_pb2.Identifier,
        inputs: literals_pb2.LiteralMap,
        parent: identifier_pb2.NodeExecutionIdentifier,
        parent_spec: object,
    ) -> str:
        """ "" when created (or already there); else the error that makes the node fail."""

    async def status(self, child: identifier_pb2.WorkflowExecutionIdentifier) -> ChildStatus: ...

    async def terminate(
        self, child: identifier_pb2.WorkflowExecutionIdentifier, cause: str
    ) -> None: ...


@dataclass(frozen=True)
class RecoveredNode:
    """A node execution of a recovery source that SUCCEEDED (or was itself RECOVERED), with its
    data; ``None`` fields were not inline in admin's answer and are read from the URIs."""

    inputs: literals_pb2.LiteralMap | None
    outputs: literals_pb2.LiteralMap | None
    input_uri: str
    output_uri: str
    deck_uri: str = ""
    task_node_metadata: object = None
    """The source's ``admin.TaskNodeMetadata`` (cache status, catalog key), if a task node."""
    child_execution: identifier_pb2.WorkflowExecutionIdentifier | None = None
    """The execution a launch-plan node of the source started."""


class RecoverySource(Protocol):
    """The node executions of the execution a RecoverExecution names, through admin."""

    async def succeeded_node(
        self, source: identifier_pb2.WorkflowExecutionIdentifier, node_id: str
    ) -> RecoveredNode | None:
        """None when the node did not succeed there (never ran, failed, skipped...)."""


class CommandTarget(Protocol):
    """What the executor does with admin's commands: run them here (``Runs``) or hand them to
    a real flytepropeller (``Handoff``)."""

    async def created(self, command: executions_pb2.ExecutionCreated, partition: int) -> bool:
        """False when the run belongs to another cluster pool's executor."""

    async def termination_requested(
        self, command: executions_pb2.ExecutionTerminationRequested
    ) -> None: ...


class ClusterUnavailable(faults.Unavailable):
    """The Kubernetes API cannot be reached or answers with a server error: every command would
    fail alike, so commands wait for it without spending their retry budget."""


class ClusterRefused(Exception):
    """The Kubernetes API refused a request for what it says or who asks (invalid object,
    forbidden): retrying the same command cannot help past its budget."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class NamespaceMissing(ClusterRefused):
    """The object's namespace is gone (deleted behind the executor's back)."""


class Cluster(Protocol):
    """The Kubernetes objects hand-off mode touches. Raises ClusterUnavailable or
    ClusterRefused."""

    async def create_workflow(self, namespace: str, body: Mapping[str, object]) -> bool:
        """False when an object of that name exists already (a redelivered command)."""

    async def delete_workflow(self, namespace: str, name: str) -> bool:
        """False when there was none (already deleted, or never created)."""

    async def ensure_namespace(self, name: str) -> bool:
        """True when it had to be created."""

    async def ensure_service_account(self, namespace: str, name: str) -> bool:
        """True when it had to be created."""


@dataclass(frozen=True)
class ProjectDomains:
    project: str
    domains: tuple[str, ...]


class ProjectDirectory(Protocol):
    async def active_projects(self) -> list[ProjectDomains]:
        """Every project not archived, with its domains."""

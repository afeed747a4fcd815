"""Messages admin owes the executors (admin.md §3.3, §3.5), kept in the execution's own document
until they are published: the record and the message never diverge, and a crash between the
write and the publish leaves the message there for the relay.

A message's id is derived from (kind, execution), so every re-publish of it carries the same id
and a consumer that de-duplicates by id sees each command once.

A message whose delivery keeps failing for reasons of its own (a command the broker refuses, a
blob the object store refuses) is parked once its attempts are spent: kept beside the execution
with its error, no longer owed, so the relay delivers the others. The count lives on the
message, so a restart or another replica carries it on.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import datetime

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2 as commands_pb2

EXECUTION_CREATED = "ExecutionCreated"
TERMINATION_REQUESTED = "ExecutionTerminationRequested"
_IDS = uuid.UUID("1f0c6f43-52a4-4b8e-9d0e-6c1e7a0f3b21")
DEFAULT_DELIVERY_ATTEMPTS = 5
MAX_ERROR_CHARS = 2000
"""A driver's error text can quote the whole payload; the document keeps the head of it."""


@dataclass(frozen=True)
class Blob:
    """An object the message refers to, written (again, identically) before it is published."""

    key: str
    data: bytes


@dataclass(frozen=True)
class OutboxMessage:
    message_id: str
    kind: str
    command: bytes
    """A serialized ``flightdeck.internal.v1.ExecutorCommand``."""
    queued_at: datetime
    blobs: tuple[Blob, ...] = ()
    attempts: int = 0
    """Failed deliveries counted against the message (an unreachable dependency's are not)."""
    last_error: str = ""
    parked_at: datetime | None = None
    """Set when the attempts ran out: the message is kept for inspection, no longer owed."""


@dataclass(frozen=True)
class Backlog:
    """The messages owed and not yet published, for the operators' gauges."""

    messages: int
    oldest_queued_at: datetime | None

    def oldest_age_seconds(self, now: datetime) -> float:
        if self.oldest_queued_at is None:
            return 0.0
        return max(0.0, (now - self.oldest_queued_at).total_seconds())


def failed_delivery(
    message: OutboxMessage, error: str, max_attempts: int, now: datetime
) -> OutboxMessage:
    """The message after one more failed delivery, parked when that spends ``max_attempts``."""
    attempts = message.attempts + 1
    return replace(
        message,
        attempts=attempts,
        last_error=error[:MAX_ERROR_CHARS],
        parked_at=now if attempts >= max_attempts else None,
    )


def message_id(kind: str, execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> str:
    name = f"{kind}/{execution_id.project}/{execution_id.domain}/{execution_id.name}"
    return str(uuid.uuid5(_IDS, name))


@dataclass(frozen=True)
class Launch:
    """What an ExecutionCreated carries besides the stored execution."""

    launch_entity: identifier_pb2.Identifier
    inputs_uri: str
    compiled_workflow_uri: str
    blobs: tuple[Blob, ...]
    recovery_source: identifier_pb2.WorkflowExecutionIdentifier | None = None
    spec: execution_pb2.ExecutionSpec | None = None
    """The spec the executor runs: the stored one with the resolved config, the launch plan's
    and the project's labels (admin.md §3.3); the stored spec when None."""


def execution_created(
    execution: execution_pb2.Execution, launch: Launch, accepted_at: datetime
) -> OutboxMessage:
    identifier = message_id(EXECUTION_CREATED, execution.id)
    created = commands_pb2.ExecutionCreated(
        message_id=identifier,
        execution_id=execution.id,
        launch_entity=launch.launch_entity,
        workflow_id=execution.closure.workflow_id,
        spec=execution.spec if launch.spec is None else launch.spec,
        inputs_uri=launch.inputs_uri,
        compiled_workflow_uri=launch.compiled_workflow_uri,
        namespace=execution.spec.metadata.system_metadata.namespace,
    )
    created.accepted_at.FromDatetime(accepted_at)
    if launch.recovery_source is not None:
        created.recovery_source.CopyFrom(launch.recovery_source)
    command = commands_pb2.ExecutorCommand(created=created)
    return OutboxMessage(
        identifier, EXECUTION_CREATED, _serialized(command), accepted_at, launch.blobs
    )


def termination_requested(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    abort: execution_pb2.AbortMetadata,
    requested_at: datetime,
) -> OutboxMessage:
    identifier = message_id(TERMINATION_REQUESTED, execution_id)
    requested = commands_pb2.ExecutionTerminationRequested(
        message_id=identifier,
        execution_id=execution_id,
        cause=abort.cause,
        principal=abort.principal,
    )
    requested.requested_at.FromDatetime(requested_at)
    command = commands_pb2.ExecutorCommand(termination_requested=requested)
    return OutboxMessage(identifier, TERMINATION_REQUESTED, _serialized(command), requested_at)


def _serialized(command: commands_pb2.ExecutorCommand) -> bytes:
    return command.SerializeToString(deterministic=True)

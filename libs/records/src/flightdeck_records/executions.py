"""The ``executions`` collection: one document per workflow execution.

Admin inserts the document (identity, listing columns, ``blob`` = the ``admin.Execution`` as
accepted, the outbox) and later writes ``abort``, ``state`` and ``state_change``. The events
projector owns the fields events drive: ``phase``, ``progress`` and the columns derived from it.
Splitting the fields by writer means neither side rewrites what the other owns; the one field
both write, ``phase`` (TerminateExecution sets ABORTING), is updated conditionally on the value
read.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from .documents import APPLIED, BLOB, EventPosition, moment, seconds

COLLECTION = "executions"

# Identity (written at creation; unique together).
PROJECT, DOMAIN, NAME = "project", "domain", "name"

PHASE = "phase"
"""The phase's enum value name (``"RUNNING"``), as the reference's column holds it."""

PROGRESS = "progress"
"""Serialized ``admin.ExecutionClosure`` holding only what events set: started_at, updated_at,
duration and the output result. Merged over the accepted closure on read."""

STARTED_AT = "started_at"
EXECUTION_UPDATED_AT = "execution_updated_at"
DURATION = "duration"
CLUSTER = "cluster"
ERROR_KIND = "error_kind"
ERROR_CODE = "error_code"

ABORT = "abort"
"""Serialized ``admin.AbortMetadata`` recorded by TerminateExecution; absent until then (an
empty value is metadata with no cause and no principal)."""

STATE = "state"
STATE_CHANGE = "state_change"
"""Serialized ``admin.ExecutionStateChangeDetails`` recorded by UpdateExecution."""

Phase = core_execution_pb2.WorkflowExecution.Phase

TERMINAL_PHASES = frozenset(
    Phase.Name(p) for p in (Phase.SUCCEEDED, Phase.FAILED, Phase.TIMED_OUT, Phase.ABORTED)
)


def key(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> str:
    """The document's ``_id`` (so a second insert of the same execution fails on it like on a
    unique index), and the execution's key wherever one string names it."""
    return f"{execution_id.project}/{execution_id.domain}/{execution_id.name}"


def by_key(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> dict[str, str]:
    """The filter finding one execution; conditional writes add their conditions to it."""
    return {"_id": key(execution_id)}


def identity(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> dict[str, str]:
    """The identity fields of an execution document, ``_id`` included."""
    return {
        "_id": key(execution_id),
        PROJECT: execution_id.project,
        DOMAIN: execution_id.domain,
        NAME: execution_id.name,
    }


def phase_of(document: Mapping[str, Any]) -> int:
    return Phase.Value(document.get(PHASE) or "UNDEFINED")


def execution_of(document: Mapping[str, Any]) -> execution_pb2.Execution:
    """The execution as GetExecution answers it: the accepted record with every later write
    applied."""
    execution = execution_pb2.Execution.FromString(document[BLOB])
    closure = execution.closure
    if progress := document.get(PROGRESS):
        overlay(closure, execution_pb2.ExecutionClosure.FromString(progress))
    closure.phase = phase_of(document)  # type: ignore[assignment]
    if cluster := document.get(CLUSTER):
        execution.spec.metadata.system_metadata.execution_cluster = cluster
    if (abort := document.get(ABORT)) is not None:
        # Present from the moment the execution is ABORTING, even with no cause or principal.
        closure.abort_metadata.Clear()
        closure.abort_metadata.SetInParent()
        closure.abort_metadata.MergeFromString(abort)
    if state_change := document.get(STATE_CHANGE):
        closure.state_change_details.Clear()
        closure.state_change_details.MergeFromString(state_change)
    return execution


def overlay(closure: execution_pb2.ExecutionClosure, later: execution_pb2.ExecutionClosure) -> None:
    """Every field ``later`` sets replaces the closure's whole: a protobuf merge would keep the
    accepted ``updated_at``'s nanoseconds under an event time whose nanoseconds are zero."""
    for field, _ in later.ListFields():
        closure.ClearField(field.name)
    closure.MergeFrom(later)


def progress_fields(
    phase: int,
    progress: execution_pb2.ExecutionClosure,
    cluster: str,
    applied: EventPosition,
    now: datetime,
) -> dict[str, Any]:
    """The ``$set`` the projector writes after folding events into ``progress``."""
    error = progress.error if progress.HasField("error") else None
    return {
        PHASE: Phase.Name(phase),  # type: ignore[arg-type]
        PROGRESS: progress.SerializeToString(deterministic=True),
        STARTED_AT: moment(progress.started_at),
        EXECUTION_UPDATED_AT: moment(progress.updated_at),
        DURATION: seconds(progress.duration),
        CLUSTER: cluster,
        ERROR_KIND: core_execution_pb2.ExecutionError.ErrorKind.Name(error.kind) if error else None,
        ERROR_CODE: error.code if error else None,
        APPLIED: applied.as_document(),
        "updated_at": now,
    }

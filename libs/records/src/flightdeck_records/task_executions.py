"""The ``task_executions`` collection: one document per task attempt (task id, node execution,
retry attempt), written only by the events projector and read by admin."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flyteidl.admin import task_execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2

from .documents import APPLIED, BLOB, EventPosition, moment, seconds

COLLECTION = "task_executions"

TASK_PROJECT, TASK_DOMAIN, TASK_NAME, TASK_VERSION = "project", "domain", "name", "version"
EXECUTION_PROJECT = "execution_project"
EXECUTION_DOMAIN = "execution_domain"
EXECUTION_NAME = "execution_name"
NODE_ID = "node_id"
RETRY_ATTEMPT = "retry_attempt"
PHASE = "phase"
PHASE_VERSION = "phase_version"
STARTED_AT = "started_at"
TASK_EXECUTION_CREATED_AT = "task_execution_created_at"
TASK_EXECUTION_UPDATED_AT = "task_execution_updated_at"
DURATION = "duration"
EVENT_VERSION = "event_version"

Phase = core_execution_pb2.TaskExecution.Phase

TERMINAL_PHASES = frozenset(Phase.Name(p) for p in (Phase.SUCCEEDED, Phase.FAILED, Phase.ABORTED))


def task_key(task_execution_id: identifier_pb2.TaskExecutionIdentifier) -> str:
    task = task_execution_id.task_id
    node = task_execution_id.node_execution_id
    execution = node.execution_id
    return "/".join(
        (
            execution.project,
            execution.domain,
            execution.name,
            node.node_id,
            task.project,
            task.domain,
            task.name,
            task.version,
            str(task_execution_id.retry_attempt),
        )
    )


@dataclass(frozen=True)
class TaskRecord:
    task: task_execution_pb2.TaskExecution
    phase_version: int = 0
    event_version: int = 0


def task_document(record: TaskRecord, applied: EventPosition, now: datetime) -> dict[str, Any]:
    """Every field but the row's ``created_at`` (set on insert only)."""
    task = record.task
    task_id = task.id.task_id
    node = task.id.node_execution_id
    closure = task.closure
    return {
        "_id": task_key(task.id),
        TASK_PROJECT: task_id.project,
        TASK_DOMAIN: task_id.domain,
        TASK_NAME: task_id.name,
        TASK_VERSION: task_id.version,
        EXECUTION_PROJECT: node.execution_id.project,
        EXECUTION_DOMAIN: node.execution_id.domain,
        EXECUTION_NAME: node.execution_id.name,
        NODE_ID: node.node_id,
        RETRY_ATTEMPT: task.id.retry_attempt,
        PHASE: Phase.Name(closure.phase),
        PHASE_VERSION: record.phase_version,
        STARTED_AT: moment(closure.started_at),
        TASK_EXECUTION_CREATED_AT: moment(closure.created_at),
        TASK_EXECUTION_UPDATED_AT: moment(closure.updated_at),
        DURATION: seconds(closure.duration),
        EVENT_VERSION: record.event_version,
        BLOB: task.SerializeToString(deterministic=True),
        APPLIED: applied.as_document(),
        "updated_at": now,
    }


def task_record_of(document: Mapping[str, Any]) -> TaskRecord:
    return TaskRecord(
        task=task_execution_pb2.TaskExecution.FromString(document[BLOB]),
        phase_version=document.get(PHASE_VERSION, 0),
        event_version=document.get(EVENT_VERSION, 0),
    )

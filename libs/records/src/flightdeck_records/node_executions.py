"""The ``node_executions`` collection: one document per node execution, written only by the
events projector and read by admin (and the data proxy through admin).

Field names are the reference's column names, so the listing engine filters them directly."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flyteidl.admin import node_execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2

from .documents import APPLIED, BLOB, EventPosition, moment, seconds

COLLECTION = "node_executions"

EXECUTION_PROJECT = "execution_project"
EXECUTION_DOMAIN = "execution_domain"
EXECUTION_NAME = "execution_name"
NODE_ID = "node_id"
PHASE = "phase"
STARTED_AT = "started_at"
NODE_EXECUTION_CREATED_AT = "node_execution_created_at"
NODE_EXECUTION_UPDATED_AT = "node_execution_updated_at"
DURATION = "duration"
PARENT_ID = "parent_id"
"""The parent node's id within the same execution, ``""`` for none."""
PARENT_TASK_EXECUTION_ID = "parent_task_execution_id"
"""``task_key`` of the task attempt that launched this node (dynamic children), ``""`` for none."""
TOP_LEVEL = "top_level"
"""Neither a parent node nor a parent task: what ListNodeExecutions returns by default."""
ERROR_KIND = "error_kind"
ERROR_CODE = "error_code"
CACHE_STATUS = "cache_status"
EVENT_VERSION = "event_version"
DYNAMIC_WORKFLOW = "dynamic_workflow"
"""``{"id": serialized core.Identifier, "compiled_workflow_uri": str}`` once a dynamic node
reported its closure; never cleared."""
DYNAMIC_JOB_SPEC_URI = "dynamic_job_spec_uri"

Phase = core_execution_pb2.NodeExecution.Phase

TERMINAL_PHASES = frozenset(
    Phase.Name(p)
    for p in (
        Phase.SUCCEEDED,
        Phase.FAILED,
        Phase.TIMED_OUT,
        Phase.ABORTED,
        Phase.SKIPPED,
        Phase.RECOVERED,
    )
)


def node_key(node_execution_id: identifier_pb2.NodeExecutionIdentifier) -> str:
    execution = node_execution_id.execution_id
    return "/".join(
        (execution.project, execution.domain, execution.name, node_execution_id.node_id)
    )


@dataclass(frozen=True)
class DynamicWorkflowRef:
    workflow_id: identifier_pb2.Identifier
    compiled_workflow_uri: str


@dataclass(frozen=True)
class NodeRecord:
    """A node execution with what the reference keeps beside the returned message."""

    node: node_execution_pb2.NodeExecution
    parent_id: str = ""
    parent_task_execution_id: str = ""
    dynamic_workflow: DynamicWorkflowRef | None = None
    dynamic_job_spec_uri: str = ""
    event_version: int = 0


def node_document(record: NodeRecord, applied: EventPosition, now: datetime) -> dict[str, Any]:
    """Every field but the row's ``created_at`` (set on insert only)."""
    node = record.node
    execution = node.id.execution_id
    closure = node.closure
    error = closure.error if closure.HasField("error") else None
    cache = closure.task_node_metadata.cache_status if closure.HasField("task_node_metadata") else 0
    document: dict[str, Any] = {
        "_id": node_key(node.id),
        EXECUTION_PROJECT: execution.project,
        EXECUTION_DOMAIN: execution.domain,
        EXECUTION_NAME: execution.name,
        NODE_ID: node.id.node_id,
        PHASE: Phase.Name(closure.phase),
        STARTED_AT: moment(closure.started_at),
        NODE_EXECUTION_CREATED_AT: moment(closure.created_at),
        NODE_EXECUTION_UPDATED_AT: moment(closure.updated_at),
        DURATION: seconds(closure.duration),
        PARENT_ID: record.parent_id,
        PARENT_TASK_EXECUTION_ID: record.parent_task_execution_id,
        TOP_LEVEL: not record.parent_id and not record.parent_task_execution_id,
        ERROR_KIND: core_execution_pb2.ExecutionError.ErrorKind.Name(error.kind) if error else None,
        ERROR_CODE: error.code if error else None,
        CACHE_STATUS: catalog_pb2.CatalogCacheStatus.Name(cache),
        EVENT_VERSION: record.event_version,
        DYNAMIC_JOB_SPEC_URI: record.dynamic_job_spec_uri,
        DYNAMIC_WORKFLOW: None,
        BLOB: node.SerializeToString(deterministic=True),
        APPLIED: applied.as_document(),
        "updated_at": now,
    }
    if record.dynamic_workflow is not None:
        document[DYNAMIC_WORKFLOW] = {
            "id": record.dynamic_workflow.workflow_id.SerializeToString(deterministic=True),
            "compiled_workflow_uri": record.dynamic_workflow.compiled_workflow_uri,
        }
    return document


def node_record_of(document: Mapping[str, Any]) -> NodeRecord:
    dynamic = document.get(DYNAMIC_WORKFLOW)
    return NodeRecord(
        node=node_execution_pb2.NodeExecution.FromString(document[BLOB]),
        parent_id=document.get(PARENT_ID, ""),
        parent_task_execution_id=document.get(PARENT_TASK_EXECUTION_ID, ""),
        dynamic_workflow=DynamicWorkflowRef(
            identifier_pb2.Identifier.FromString(dynamic["id"]), dynamic["compiled_workflow_uri"]
        )
        if dynamic
        else None,
        dynamic_job_spec_uri=document.get(DYNAMIC_JOB_SPEC_URI, ""),
        event_version=document.get(EVENT_VERSION, 0),
    )

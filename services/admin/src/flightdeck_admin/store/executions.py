"""Executions in MongoDB: one document per execution, unique by (project, domain, name), holding
the serialized ``admin.Execution``, the input blob URIs and the outbox of owed messages.

The unique index is what makes a duplicate name lose: inserts are the one race-safe primitive
on FerretDB 1.24 (filtered updates are not atomic there)."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain.executions_launch import (
    ExecutionRecord,
    OutboxMessage,
    execution_exists,
    execution_not_found,
)
from flightdeck_admin.store.documents import blob_of, key_value_list, message_from

COLLECTION = "executions"
INDEXES = [
    IndexModel([("project", 1), ("domain", 1), ("name", 1)], unique=True, name="execution_name"),
    IndexModel([("pending", 1)], name="execution_outbox"),
]


def _message_document(message: OutboxMessage) -> dict[str, Any]:
    execution_id = message.execution_id
    return {
        "kind": message.kind,
        "project": execution_id.project,
        "domain": execution_id.domain,
        "name": execution_id.name,
        "inputs_uri": message.inputs_uri,
    }


def _message_of(document: dict[str, Any]) -> OutboxMessage:
    execution_id = identifier_pb2.WorkflowExecutionIdentifier(
        project=document["project"], domain=document["domain"], name=document["name"]
    )
    return OutboxMessage(document["kind"], execution_id, document["inputs_uri"])


def _document(record: ExecutionRecord) -> dict[str, Any]:
    execution = record.execution
    spec, closure = execution.spec, execution.closure
    return {
        "project": execution.id.project,
        "domain": execution.id.domain,
        "name": execution.id.name,
        "phase": int(closure.phase),
        "state": int(closure.state_change_details.state),
        "created_at": closure.created_at.ToDatetime(),
        "launch_plan_name": spec.launch_plan.name,
        "launch_plan_version": spec.launch_plan.version,
        "workflow_name": closure.workflow_id.name,
        "workflow_version": closure.workflow_id.version,
        "labels": key_value_list(dict(spec.labels.values)),
        "inputs_uri": record.inputs_uri,
        "user_inputs_uri": record.user_inputs_uri,
        "pending_messages": [_message_document(m) for m in record.pending_messages],
        "pending": bool(record.pending_messages),
        "blob": blob_of(execution),
    }


def _record(document: dict[str, Any]) -> ExecutionRecord:
    return ExecutionRecord(
        message_from(document, execution_pb2.Execution),
        document["inputs_uri"],
        document["user_inputs_uri"],
        tuple(_message_of(m) for m in document["pending_messages"]),
    )


class MongoExecutionStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._executions = collection

    async def insert(self, record: ExecutionRecord) -> None:
        try:
            await self._executions.insert_one(_document(record))
        except DuplicateKeyError as error:
            raise execution_exists(record.execution.id) from error

    async def get(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier
    ) -> ExecutionRecord:
        document = await self._executions.find_one(
            {
                "project": execution_id.project,
                "domain": execution_id.domain,
                "name": execution_id.name,
            }
        )
        if document is None:
            raise execution_not_found(execution_id)
        return _record(document)

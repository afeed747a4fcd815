"""The in-memory ExecutionStore: the fake the use-case tests run on, held to the same contract
as the Mongo store. It keeps the very documents the Mongo store writes and pages them with the
listing engine's in-memory evaluator (tag conditions, which need array matching, match nothing
here)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeAlias

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2

import flightdeck_listing as listing
from flightdeck_admin.domain.executions_launch import (
    ExecutionRecord,
    execution_exists,
    execution_not_found,
)
from flightdeck_admin.domain.outbox import Backlog, OutboxMessage
from flightdeck_admin.store.documents import blob_of
from flightdeck_admin.store.executions import (
    PARKED_MESSAGES,
    PENDING_MESSAGES,
    document_of,
    message_document,
    phase_name,
    record_of,
)
from flightdeck_records import executions as records

_Key = tuple[str, str, str]
ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


def _key(execution_id: ExecutionId) -> _Key:
    return (execution_id.project, execution_id.domain, execution_id.name)


class InMemoryExecutionStore:
    def __init__(self) -> None:
        self._documents: dict[_Key, dict[str, Any]] = {}
        self._inserted = 0

    async def insert(self, record: ExecutionRecord, now: datetime) -> None:
        key = _key(record.execution.id)
        if key in self._documents:
            raise execution_exists(record.execution.id)
        self._inserted += 1
        self._documents[key] = {**document_of(record, now), "_id": self._inserted}

    def _document(self, execution_id: ExecutionId) -> dict[str, Any]:
        try:
            return self._documents[_key(execution_id)]
        except KeyError:
            raise execution_not_found(execution_id) from None

    async def get(self, execution_id: ExecutionId) -> ExecutionRecord:
        return record_of(copy.deepcopy(self._document(execution_id)))

    async def phase(self, execution_id: ExecutionId) -> str:
        return phase_name(self._document(execution_id))

    async def request_abort(
        self,
        execution_id: ExecutionId,
        abort: execution_pb2.AbortMetadata,
        message: OutboxMessage,
        now: datetime,
    ) -> bool:
        document = self._documents.get(_key(execution_id))
        if document is None or phase_name(document) in records.TERMINAL_PHASES:
            return False
        document[records.PHASE] = "ABORTING"
        document[records.ABORT] = blob_of(abort)
        document["abort_cause"] = abort.cause
        document[PENDING_MESSAGES].append(message_document(message))
        document["updated_at"] = now
        return True

    async def update_state(
        self,
        execution_id: ExecutionId,
        change: execution_pb2.ExecutionStateChangeDetails,
        now: datetime,
    ) -> None:
        document = self._document(execution_id)
        document[records.STATE] = int(change.state)
        document[records.STATE_CHANGE] = blob_of(change)
        document["updated_at"] = now

    async def count_active(self, project: str, domain: str, launch_plan: str) -> int:
        return sum(
            1
            for document in self._documents.values()
            if (document[records.PROJECT], document[records.DOMAIN]) == (project, domain)
            and document["launch_plan_name"] == launch_plan
            and document[records.PHASE] in ("QUEUED", "RUNNING")
        )

    async def list_page(
        self, request: common_pb2.ResourceListRequest, filters: str
    ) -> tuple[list[execution_pb2.Execution], str]:
        arguments = listing.arguments_of(request)
        plan = listing.plan_listing(
            listing.EXECUTIONS, filters, arguments.sort_by, arguments.limit, arguments.token
        )
        wanted = request.id
        rows = [
            document
            for (project, domain, name), document in self._documents.items()
            if (project, domain) == (wanted.project, wanted.domain) and wanted.name in ("", name)
        ]
        page, token = listing.select_page(plan, rows)
        return [records.execution_of(row) for row in page], token

    async def pending(self, queued_before: datetime, limit: int) -> list[ExecutionRecord]:
        due = [
            document
            for document in self._documents.values()
            if any(m["queued_at"] < queued_before for m in document[PENDING_MESSAGES])
        ]
        return [record_of(copy.deepcopy(document)) for document in due[:limit]]

    async def clear(
        self,
        execution_id: ExecutionId,
        message_id: str,
        owed_as_known: Sequence[OutboxMessage] = (),
    ) -> None:
        document = self._document(execution_id)
        kept = [m for m in document[PENDING_MESSAGES] if m["message_id"] != message_id]
        document[PENDING_MESSAGES] = kept

    async def record_failure(
        self, execution_id: ExecutionId, seen: OutboxMessage, failed: OutboxMessage
    ) -> bool:
        document = self._documents.get(_key(execution_id))
        owed = document[PENDING_MESSAGES] if document else []
        at = next((n for n, m in enumerate(owed) if m["message_id"] == seen.message_id), None)
        if document is None or at is None or owed[at]["attempts"] != seen.attempts:
            return False
        if failed.parked_at is None:
            owed[at] = message_document(failed)
        else:
            del owed[at]
            document[PARKED_MESSAGES].append(message_document(failed))
        return True

    async def backlog(self, now: datetime) -> Backlog:
        queued = [
            m["queued_at"]
            for document in self._documents.values()
            for m in document[PENDING_MESSAGES]
            if m["queued_at"] <= now
        ]
        return Backlog(len(queued), min(queued, default=None))

    def set_phase(self, execution_id: ExecutionId, phase: str) -> None:
        """What the events projector would write; tests use it."""
        self._document(execution_id)[records.PHASE] = phase

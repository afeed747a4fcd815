"""Executions in MongoDB: one document per execution (``flightdeck_records.executions``), unique
by (project, domain, name), holding the serialized ``admin.Execution`` as accepted, the input
blob URIs, the listing columns and the outbox of messages owed to the executors.

The unique index is what makes a duplicate name lose: inserts are the one race-safe primitive
on FerretDB 1.24. Its filtered updates are not atomic, so TerminateExecution's "not terminal"
guard narrows, but cannot close, the window in which an event finishing the execution lands in
between."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeAlias

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from pymongo import IndexModel
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

import flightdeck_listing as listing
from flightdeck_admin.domain import single_task
from flightdeck_admin.domain.executions_launch import (
    ExecutionRecord,
    execution_exists,
    execution_not_found,
)
from flightdeck_admin.domain.outbox import Backlog, Blob, OutboxMessage
from flightdeck_admin.store.documents import blob_of, key_value_list
from flightdeck_admin.store.listing import Page, index_models, list_request, newest_first_index
from flightdeck_records import executions as records
from flightdeck_records.documents import ROW_CREATED_AT, ROW_UPDATED_AT, moment

COLLECTION = records.COLLECTION
OWED_COLLECTION = "execution_outbox_marks"
"""A mark per message owed, keyed by the message id and written before the message itself,
removed once the message is published: the relay's entry point. A small collection of its own,
so the relay's poll reads the marks alone rather than every execution's outbox field."""
ABANDONED_AFTER = timedelta(hours=1)
"""Age at which a mark on a message that was never stored (its writer crashed, or lost a race
for the name) is dropped; until then the write may still be in flight."""
PENDING_MESSAGES, PARKED_MESSAGES = "pending_messages", "parked_messages"
QUEUED_AT, EXECUTION = "queued_at", "execution"
INPUTS_URI, USER_INPUTS_URI = "inputs_uri", "user_inputs_uri"
INDEXES = [
    IndexModel(
        [(records.PROJECT, 1), (records.DOMAIN, 1), (records.NAME, 1)],
        unique=True,
        name="execution_name",
    ),
]
LISTED_COLUMNS = (
    records.PROJECT,  # the scope then _id: what a filter on any other column walks
    ROW_CREATED_AT,
    ROW_UPDATED_AT,
    records.NAME,
    records.STARTED_AT,
)
"""The columns ListExecutions is commonly sorted (or range-filtered) by. Every index is paid for
on each write of an execution (the projector updates one per event batch), so the others are
served by the scope's ``(project, domain, _id)`` range rather than an index of their own."""
FILTERED_NEWEST_FIRST = (records.PHASE, "workflow_name", "launch_plan_name")
"""The columns the console and flytectl filter by while listing newest first."""
INDEXES += index_models(listing.EXECUTIONS, LISTED_COLUMNS)
INDEXES += [newest_first_index(listing.EXECUTIONS, c) for c in FILTERED_NEWEST_FIRST]
OWED_INDEXES = [IndexModel([(QUEUED_AT, 1)], name="outbox_mark_age")]
Document = dict[str, Any]
_CLEAR_ATTEMPTS = 5
ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


def message_document(message: OutboxMessage) -> Document:
    return {
        "message_id": message.message_id,
        "kind": message.kind,
        "command": message.command,
        "queued_at": message.queued_at,
        "blobs": [{"key": blob.key, "data": blob.data} for blob in message.blobs],
        "attempts": message.attempts,
        "last_error": message.last_error,
        "parked_at": message.parked_at,
    }


def message_of(document: Mapping[str, Any]) -> OutboxMessage:
    return OutboxMessage(
        document["message_id"],
        document["kind"],
        document["command"],
        _aware(document["queued_at"]),
        tuple(Blob(blob["key"], blob["data"]) for blob in document.get("blobs", ())),
        document.get("attempts", 0),
        document.get("last_error", ""),
        _aware(document["parked_at"]) if document.get("parked_at") else None,
    )


def _aware(moment: datetime) -> datetime:
    """Clients without ``tz_aware`` read BSON dates as naive UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _identity(prefix: str, identifier: identifier_pb2.Identifier | None) -> Document:
    parts = ("project", "domain", "name", "version")
    return {f"{prefix}_{part}": getattr(identifier, part) if identifier else None for part in parts}


def _launched(spec: execution_pb2.ExecutionSpec) -> Document:
    """The launch plan (for a single-task run, its ``.flytegen.`` plan) and the task."""
    entity = spec.launch_plan
    if entity.resource_type == identifier_pb2.TASK:
        plan = single_task.generated_id(entity, identifier_pb2.LAUNCH_PLAN)
        return {
            **_identity("launch_plan", plan),
            **_identity("task", entity),
            "launch_entity": "task",
        }
    return {
        **_identity("launch_plan", entity),
        **_identity("task", None),
        "launch_entity": "launch_plan",
    }


def document_of(record: ExecutionRecord, now: datetime) -> Document:
    """The document an insert writes; the benchmark seeds with it too."""
    execution = record.execution
    spec, closure = execution.spec, execution.closure
    created = moment(closure.created_at)
    return {
        **records.identity(execution.id),
        records.PHASE: records.Phase.Name(closure.phase),
        records.STATE: int(closure.state_change_details.state),
        "created_at": now,
        "updated_at": now,
        "execution_created_at": created,
        records.EXECUTION_UPDATED_AT: created,
        records.STARTED_AT: None,
        records.DURATION: None,
        **_launched(spec),
        **_identity("workflow", closure.workflow_id),
        "mode": int(spec.metadata.mode),
        "user": spec.metadata.principal,
        "nesting": spec.metadata.nesting,
        "abort_cause": None,
        records.ERROR_KIND: None,
        records.ERROR_CODE: None,
        records.CLUSTER: "",
        "tags": [
            *key_value_list(dict(spec.labels.values)),
            *({"key": tag, "value": ""} for tag in spec.tags),
        ],
        INPUTS_URI: record.inputs_uri,
        USER_INPUTS_URI: record.user_inputs_uri,
        PENDING_MESSAGES: [message_document(m) for m in record.pending_messages],
        PARKED_MESSAGES: [message_document(m) for m in record.parked_messages],
        records.BLOB: blob_of(execution),
    }


def record_of(document: Mapping[str, Any]) -> ExecutionRecord:
    return ExecutionRecord(
        records.execution_of(document),
        document.get(INPUTS_URI, ""),
        document.get(USER_INPUTS_URI, ""),
        tuple(message_of(m) for m in document.get(PENDING_MESSAGES, ())),
        tuple(message_of(m) for m in document.get(PARKED_MESSAGES, ())),
    )


def _replaced(
    owed: list[Document], message_id: str, replacement: Document | None
) -> list[Document]:
    """The owed list with the message's copies replaced by one ``replacement`` where the first
    stood (an execution's commands keep their order), or gone."""
    at = next(n for n, m in enumerate(owed) if m["message_id"] == message_id)
    kept = [m for m in owed if m["message_id"] != message_id]
    return kept if replacement is None else [*kept[:at], replacement, *kept[at:]]


def _holds(document: Mapping[str, Any] | None, field: str, message_id: str) -> bool:
    return any(m["message_id"] == message_id for m in (document or {}).get(field, ()))


def phase_name(document: Mapping[str, Any]) -> str:
    return document.get(records.PHASE) or "UNDEFINED"


class MongoExecutionStore:
    def __init__(
        self, collection: AsyncCollection[Document], owed: AsyncCollection[Document]
    ) -> None:
        self._executions = collection
        self._owed = owed

    @classmethod
    def of(cls, database: AsyncDatabase[Document]) -> MongoExecutionStore:
        return cls(database[COLLECTION], database[OWED_COLLECTION])

    async def _mark_owed(self, execution_id: ExecutionId, message: OutboxMessage) -> None:
        """Before the message is stored, so that no stored message is ever without its mark.
        Racing creations of one name mark the same message: an upsert is not atomic on FerretDB
        (nor always on MongoDB), so the loser of the insert finds the mark there and updates it."""
        fields = {EXECUTION: records.key(execution_id), QUEUED_AT: message.queued_at}
        try:
            # Most marks are new: an insert costs the store about half an upsert.
            await self._owed.insert_one({"_id": message.message_id, **fields})
            return
        except DuplicateKeyError:
            pass  # a repeated termination, or a racing creation of the same name
        try:
            await self._owed.update_one({"_id": message.message_id}, {"$set": fields}, upsert=True)
        except DuplicateKeyError:
            await self._owed.update_one({"_id": message.message_id}, {"$set": fields}, upsert=True)

    async def insert(self, record: ExecutionRecord, now: datetime) -> None:
        for message in record.pending_messages:
            await self._mark_owed(record.execution.id, message)
        try:
            await self._executions.insert_one(document_of(record, now))
        except DuplicateKeyError as error:
            raise execution_exists(record.execution.id) from error

    async def get(self, execution_id: ExecutionId) -> ExecutionRecord:
        return record_of(await self._document(execution_id))

    async def phase(self, execution_id: ExecutionId) -> str:
        return phase_name(await self._document(execution_id, {records.PHASE: 1}))

    async def _document(
        self, execution_id: ExecutionId, projection: Mapping[str, int] | None = None
    ) -> Document:
        document = await self._executions.find_one(records.by_key(execution_id), projection)
        if document is None:
            raise execution_not_found(execution_id)
        return document

    async def request_abort(
        self,
        execution_id: ExecutionId,
        abort: execution_pb2.AbortMetadata,
        message: OutboxMessage,
        now: datetime,
    ) -> bool:
        """ABORTING, the abort metadata and the termination message in one update, unless the
        execution is terminal; False when it was (or does not exist)."""
        query = {
            **records.by_key(execution_id),
            records.PHASE: {"$nin": sorted(records.TERMINAL_PHASES)},
        }
        await self._mark_owed(execution_id, message)
        update = {
            "$set": {
                records.PHASE: "ABORTING",
                records.ABORT: blob_of(abort),
                "abort_cause": abort.cause,
                "updated_at": now,
            },
            "$push": {PENDING_MESSAGES: message_document(message)},
        }
        result = await self._executions.update_one(query, update)
        return result.matched_count == 1

    async def update_state(
        self,
        execution_id: ExecutionId,
        change: execution_pb2.ExecutionStateChangeDetails,
        now: datetime,
    ) -> None:
        fields = {
            records.STATE: int(change.state),
            records.STATE_CHANGE: blob_of(change),
            "updated_at": now,
        }
        result = await self._executions.update_one(records.by_key(execution_id), {"$set": fields})
        if result.matched_count == 0:
            raise execution_not_found(execution_id)

    async def count_active(self, project: str, domain: str, launch_plan: str) -> int:
        """Executions of any version of a launch plan that are QUEUED or RUNNING."""
        return await self._executions.count_documents(
            {
                records.PROJECT: project,
                records.DOMAIN: domain,
                "launch_plan_name": launch_plan,
                records.PHASE: {"$in": ["QUEUED", "RUNNING"]},
            }
        )

    async def list_page(
        self, request: common_pb2.ResourceListRequest, filters: str
    ) -> tuple[list[execution_pb2.Execution], str]:
        scope = {records.PROJECT: request.id.project, records.DOMAIN: request.id.domain}
        if request.id.name:
            scope[records.NAME] = request.id.name
        page: Page = await list_request(
            self._executions, listing.EXECUTIONS, _with_filters(request, filters), base_filter=scope
        )
        return [records.execution_of(document) for document in page.documents], page.token

    async def pending(self, queued_before: datetime, limit: int) -> list[ExecutionRecord]:
        """Up to ``limit`` executions holding a message marked before ``queued_before`` and not
        yet published. Marks on messages that were never stored are dropped on the way once
        ``ABANDONED_AFTER`` old, those of parked messages (a crash between the parking and the
        mark's removal) at once."""
        due: dict[str, ExecutionRecord] = {}
        after = ""
        while len(due) < limit:
            marks = (
                await self._owed.find({QUEUED_AT: {"$lt": queued_before}, "_id": {"$gt": after}})
                .sort("_id", 1)
                .limit(limit)
                .to_list()
            )
            for mark in marks:
                if mark[EXECUTION] in due:
                    continue
                document = await self._executions.find_one(
                    {"_id": mark[EXECUTION]},
                    {records.BLOB: 1, PENDING_MESSAGES: 1, PARKED_MESSAGES: 1},
                )
                if _holds(document, PENDING_MESSAGES, mark["_id"]):
                    due[mark[EXECUTION]] = record_of(document)  # type: ignore[arg-type]
                elif _holds(document, PARKED_MESSAGES, mark["_id"]) or (
                    _aware(mark[QUEUED_AT]) < queued_before - ABANDONED_AFTER
                ):
                    await self._drop_mark(mark["_id"], mark[QUEUED_AT])
            if len(marks) < limit:
                break
            after = marks[-1]["_id"]
        return list(due.values())[:limit]

    async def clear(
        self,
        execution_id: ExecutionId,
        message_id: str,
        owed_as_known: Sequence[OutboxMessage] = (),
    ) -> None:
        """Drops a published message (every copy of it: a second TerminateExecution queues the
        same id again), then its mark. ``owed_as_known``: the owed messages as the caller wrote
        or read them, tried first as the update's guard, which spares the read when they are
        still what is stored (a creation's delivery, the relay's)."""
        guess = [message_document(m) for m in owed_as_known] or None
        await self._rewrite_owed(execution_id, message_id, None, guess=guess)

    async def record_failure(
        self, execution_id: ExecutionId, seen: OutboxMessage, failed: OutboxMessage
    ) -> bool:
        """Replaces the message as the relay read it by ``failed``, moved to the parked messages
        (and its mark dropped) when parked. False, writing nothing, when the message changed
        meanwhile: another relay counted this attempt, or delivered the message."""
        written = message_document(failed)
        parked = failed.parked_at is not None
        return await self._rewrite_owed(
            execution_id,
            seen.message_id,
            None if parked else written,
            attempts=seen.attempts,
            parked=written if parked else None,
        )

    async def _rewrite_owed(
        self,
        execution_id: ExecutionId,
        message_id: str,
        replacement: Document | None,
        *,
        attempts: int | None = None,
        parked: Document | None = None,
        guess: list[Document] | None = None,
    ) -> bool:
        """Puts ``replacement`` in the owed message's place (None: takes it out, its mark too),
        and appends ``parked`` to the parked messages; only while the message is owed with
        ``attempts`` failures counted, when given. FerretDB 1.24 ignores ``$pull`` conditions
        and has no positional updates, so the lists are rewritten, guarded by the owed list as
        read, and retried when it changed meanwhile (a termination queued in between). A
        ``guess`` of the owed list stands in for the first read (never with ``parked``, whose
        list it does not know)."""
        assert guess is None or parked is None
        identity = records.by_key(execution_id)
        guessed = None if guess is None else {PENDING_MESSAGES: guess}
        for _ in range(_CLEAR_ATTEMPTS + (guessed is not None)):
            document = guessed or await self._executions.find_one(
                identity, {PENDING_MESSAGES: 1, PARKED_MESSAGES: 1}
            )
            guessed = None
            seen = document.get(PENDING_MESSAGES, []) if document else []
            entries = [m for m in seen if m["message_id"] == message_id]
            if not entries or attempts not in (None, entries[-1].get("attempts", 0)):
                return False
            fields = {PENDING_MESSAGES: _replaced(seen, message_id, replacement)}
            if parked is not None:
                fields[PARKED_MESSAGES] = [*document.get(PARKED_MESSAGES, []), parked]  # type: ignore[union-attr]
            result = await self._executions.update_one(
                {**identity, PENDING_MESSAGES: seen}, {"$set": fields}
            )
            if result.matched_count:
                if replacement is None:
                    await self._drop_mark(message_id, entries[-1]["queued_at"])
                return True
        return False

    async def backlog(self, now: datetime) -> Backlog:
        """From the marks, by their age index: messages still in their creating request's hands
        and marks of messages never stored (until they expire) are counted too."""
        queued = {QUEUED_AT: {"$lte": now}}
        count = await self._owed.count_documents(queued)
        oldest = await self._owed.find(queued, {QUEUED_AT: 1}).sort(QUEUED_AT, 1).limit(1).to_list()
        return Backlog(count, _aware(oldest[0][QUEUED_AT]) if oldest else None)

    async def _drop_mark(self, message_id: str, queued_at: datetime) -> None:
        """Unless renewed since: ids repeat (a second TerminateExecution queues the same message
        again), and the mark then stands for the newer copy."""
        await self._owed.delete_one({"_id": message_id, QUEUED_AT: queued_at})


def _with_filters(
    request: common_pb2.ResourceListRequest, filters: str
) -> common_pb2.ResourceListRequest:
    listed = common_pb2.ResourceListRequest()
    listed.CopyFrom(request)
    listed.filters = filters
    return listed

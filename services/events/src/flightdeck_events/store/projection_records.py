"""The projector's MongoDB side: loads what a batch touches in one query per collection and
writes the folded records back in few bulk writes per collection: the records the batch created
are inserted, the ones it loaded are updated by key only if they still hold the event position
they were loaded with (and an execution the phase), so a projector that lost its partitions in a
rebalance cannot overwrite a newer record. Each record also carries the phase changes it owes
the feed (``Announcement``) until they are published."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from pymongo import UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import (
    BulkWriteError,
    ConnectionFailure,
    ExecutionTimeout,
    WriteConcernError,
    WTimeoutError,
)

from flightdeck_events.domain.workflow_events import ExecutionProgress
from flightdeck_events.projection.fold import FoldResult
from flightdeck_events.projection.working_set import (
    Announcement,
    ExecutionEntry,
    Loaded,
    NodeEntry,
    TaskEntry,
    Wanted,
    WorkingSet,
    execution_key,
)
from flightdeck_events.service.projector import ConcurrentChange
from flightdeck_events.store.tracing import mongo_span
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import APPLIED, ROW_CREATED_AT, EventPosition

_DUPLICATE_KEY = 11000
ANNOUNCING = "announcing"
"""The phase changes a record owes the feed: ``[{partition, offset, change}]``."""

_TRANSIENT = (ConnectionFailure, ExecutionTimeout, WTimeoutError, WriteConcernError)
"""MongoDB errors that say "not now" (network, no primary, timeouts) rather than "never"."""


def _unavailable(error: BaseException) -> faults.Fault:
    return faults.Unavailable(f"mongodb: {type(error).__name__}: {error}")


class MongoProjectionRecords:
    def __init__(self, database: AsyncDatabase) -> None:
        self._executions = database[executions.COLLECTION]
        self._nodes = database[node_executions.COLLECTION]
        self._tasks = database[task_executions.COLLECTION]

    @faults.translated(_TRANSIENT, _unavailable)
    async def load(self, wanted: Wanted) -> WorkingSet:
        working = WorkingSet()
        if wanted.executions:
            keys = sorted("/".join(parts) for parts in wanted.executions)
            with mongo_span("find", executions.COLLECTION):
                async for document in self._executions.find({"_id": {"$in": keys}}):
                    entry = execution_entry(document)
                    working.executions[execution_key(entry.execution_id)] = entry
        if wanted.nodes:
            with mongo_span("find", node_executions.COLLECTION):
                async for document in self._nodes.find({"_id": {"$in": sorted(wanted.nodes)}}):
                    loaded = _loaded(document)
                    working.nodes[document["_id"]] = NodeEntry(
                        node_executions.node_record_of(document),
                        loaded.applied,
                        loaded,
                        loaded.announcing,
                    )
        if wanted.tasks:
            with mongo_span("find", task_executions.COLLECTION):
                async for document in self._tasks.find({"_id": {"$in": sorted(wanted.tasks)}}):
                    loaded = _loaded(document)
                    working.tasks[document["_id"]] = TaskEntry(
                        task_executions.task_record_of(document),
                        loaded.applied,
                        loaded,
                        loaded.announcing,
                    )
        return working

    @faults.translated(_TRANSIENT, _unavailable)
    async def write(self, result: FoldResult) -> None:
        now = _now()
        if result.nodes:
            await self._write(
                self._nodes,
                node_executions.COLLECTION,
                [
                    (
                        entry.loaded,
                        {
                            **node_executions.node_document(
                                entry.record, _applied(entry.applied), now
                            ),
                            ANNOUNCING: _announcing_document(entry.announcing),
                        },
                    )
                    for entry in result.nodes.values()
                ],
                now,
            )
        if result.tasks:
            await self._write(
                self._tasks,
                task_executions.COLLECTION,
                [
                    (
                        entry.loaded,
                        {
                            **task_executions.task_document(
                                entry.record, _applied(entry.applied), now
                            ),
                            ANNOUNCING: _announcing_document(entry.announcing),
                        },
                    )
                    for entry in result.tasks.values()
                ],
                now,
            )
        if result.executions:
            await self._update_executions(list(result.executions.values()), now)

    async def _write(
        self,
        collection: Any,
        name: str,
        documents: list[tuple[Loaded | None, dict[str, Any]]],
        now: datetime,
    ) -> None:
        """Inserts the documents the batch created and updates by key the ones it loaded, not
        one upsert each: on FerretDB over SQLite an upsert costs about twice either. A document
        another writer (a zombie projector after a rebalance) created or removed since the load
        raises ConcurrentChange, so the batch is folded again from what is stored; what this
        write already did carries its events' positions, and the fold skips them then."""
        created = [
            {**document, ROW_CREATED_AT: now} for loaded, document in documents if loaded is None
        ]
        loaded = [(was, document) for was, document in documents if was is not None]
        if created:
            await self._insert(collection, name, created)
        if loaded:
            await self._update(collection, name, loaded)

    async def _insert(self, collection: Any, name: str, documents: list[dict[str, Any]]) -> None:
        with mongo_span("insert_many", name) as span:
            span.set_attribute("db.operation.batch.size", len(documents))
            try:
                await collection.insert_many(documents, ordered=False)
            except BulkWriteError as error:
                taken = _duplicate_keys(error)
                if taken is None:
                    raise
                raise ConcurrentChange(
                    f"{len(taken)} {name} document(s) created meanwhile: {', '.join(taken[:5])}"
                ) from error

    async def _update(
        self, collection: Any, name: str, documents: list[tuple[Loaded, dict[str, Any]]]
    ) -> None:
        writes = [
            UpdateOne(
                {"_id": document["_id"], **_still(loaded.applied)},
                {"$set": {k: v for k, v in document.items() if k != "_id"}},
            )
            for loaded, document in documents
        ]
        with mongo_span("bulk_write", name) as span:
            span.set_attribute("db.operation.batch.size", len(writes))
            outcome = await collection.bulk_write(writes, ordered=False)
        if outcome.matched_count != len(writes):
            raise ConcurrentChange(
                f"{len(writes) - outcome.matched_count} {name} document(s) changed or removed "
                "meanwhile"
            )

    async def _update_executions(self, entries: list[ExecutionEntry], now: datetime) -> None:
        writes = [
            UpdateOne(
                {
                    **executions.by_key(entry.execution_id),
                    executions.PHASE: executions.Phase.Name(entry.loaded_phase),  # type: ignore[arg-type]
                    **_still(entry.loaded.applied),
                },
                {
                    "$set": {
                        **executions.progress_fields(
                            entry.progress.phase,
                            entry.progress.closure,
                            entry.progress.cluster,
                            _applied(entry.applied),
                            now,
                        ),
                        ANNOUNCING: _announcing_document(entry.announcing),
                    }
                },
            )
            for entry in entries
        ]
        with mongo_span("bulk_write", executions.COLLECTION) as span:
            span.set_attribute("db.operation.batch.size", len(writes))
            outcome = await self._executions.bulk_write(writes, ordered=False)
        if outcome.matched_count != len(writes):
            raise ConcurrentChange(
                f"{len(writes) - outcome.matched_count} execution(s) changed phase meanwhile"
            )


def execution_entry(document: dict[str, Any]) -> ExecutionEntry:
    execution = executions.execution_of(document)
    progress = execution_pb2.ExecutionClosure()
    if stored := document.get(executions.PROGRESS):
        progress.MergeFromString(stored)
    phase = executions.phase_of(document)
    loaded = _loaded(document)
    return ExecutionEntry(
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project=execution.id.project, domain=execution.id.domain, name=execution.id.name
        ),
        loaded_phase=phase,
        progress=ExecutionProgress(
            phase=phase,
            cluster=execution.spec.metadata.system_metadata.execution_cluster,
            closure=progress,
        ),
        applied=loaded.applied,
        loaded=loaded,
        announcing=loaded.announcing,
    )


def _loaded(document: dict[str, Any]) -> Loaded:
    return Loaded(
        EventPosition.of(document),
        tuple(
            Announcement(
                EventPosition(int(owed["partition"]), int(owed["offset"])),
                events_pb2.ExecutionPhaseChanged.FromString(owed["change"]),
            )
            for owed in document.get(ANNOUNCING) or ()
        ),
    )


def _announcing_document(announcing: tuple[Announcement, ...]) -> list[dict[str, Any]]:
    return [
        {**owed.position.as_document(), "change": owed.change.SerializeToString()}
        for owed in announcing
    ]


def _still(applied: EventPosition | None) -> dict[str, Any]:
    """The filter that fences a write: the document still holds the position it was loaded
    with (a newer owner of the partition would have moved it forward)."""
    if applied is None:
        return {APPLIED: None}
    return {f"{APPLIED}.partition": applied.partition, f"{APPLIED}.offset": applied.offset}


def _duplicate_keys(error: BulkWriteError) -> list[str] | None:
    """The keys an unordered insert found taken, or ``None`` if it failed otherwise too."""
    details = error.details
    failures = details.get("writeErrors", [])
    if not failures or details.get("writeConcernErrors"):
        return None
    if any(failure.get("code") != _DUPLICATE_KEY for failure in failures):
        return None
    return [str(failure.get("op", {}).get("_id", "?")) for failure in failures]


def _applied(position: EventPosition | None) -> EventPosition:
    if position is None:
        raise ValueError("a changed record always carries the position that changed it")
    return position


def _now() -> datetime:
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

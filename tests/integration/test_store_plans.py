"""Which SQLite plan the embedded FerretDB (as deploy/local builds it) runs for every query the
services send to MongoDB, under the services' own indexes, on a scratch database.

Every ``QueryShape`` is recorded from the store code: the store method runs against a
``RecordingDatabase``, which keeps each command's filter, sort and limit and answers with nothing
(or with the row a keyset page resumes after), so a change to a store changes its shapes here.
FerretDB hands the filter of every command (find, count, distinct, update, delete, an
aggregate's leading ``$match``) to the same backend query, whose WHERE clause the pushdown patch
builds; ``explain`` of a find with that filter and sort therefore shows the SQL each one runs.

``expected`` is "index" when SQLite SEARCHes an index for the rows (the filter pushed down, and
the sort too when there is one), "scan" when it reads every row of the collection, be it in
table or in index order. Scans stay in the list, with a ``note`` saying why they are tolerable,
so the list remains the truth about the stores. bench/store_plans.py reports the same shapes
with their plans and timings.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Callable, Collection, Coroutine, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import pytest
from bson import ObjectId
from flyteidl.admin import (
    common_pb2,
    description_entity_pb2,
    execution_pb2,
    launch_plan_pb2,
    matchable_resource_pb2,
    node_execution_pb2,
    project_pb2,
    task_execution_pb2,
    task_pb2,
    workflow_pb2,
)
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from flightdeck_admin.domain import executions_lifecycle, identifiers, outbox
from flightdeck_admin.domain.attributes import AttributeKey, MatchableRecord, MatchingAttributes
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.service.record_ports import NodeParent
from flightdeck_admin.store import indexes
from flightdeck_admin.store.attributes import MongoMatchableAttributeStore
from flightdeck_admin.store.description_entities import MongoDescriptionEntityStore
from flightdeck_admin.store.executions import MongoExecutionStore, document_of
from flightdeck_admin.store.launch_plans import MongoLaunchPlanStore
from flightdeck_admin.store.named_entities import MongoNamedEntityStore
from flightdeck_admin.store.node_executions import MongoNodeExecutionStore
from flightdeck_admin.store.oauth_grants import MongoPendingGrants
from flightdeck_admin.store.projects import MongoProjectStore
from flightdeck_admin.store.task_executions import MongoTaskExecutionStore
from flightdeck_admin.store.tasks import MongoTaskStore
from flightdeck_admin.store.workflows import MongoWorkflowStore
from flightdeck_events.projection.working_set import Wanted
from flightdeck_events.store.projection_records import MongoProjectionRecords
from flightdeck_events.store.projection_view import MongoProjectionView
from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service.ports import StoredRun
from flightdeck_executor.store.runs import MongoRunStore
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2 as commands_pb2
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import ROW_CREATED_AT, EventPosition

pytestmark = pytest.mark.integration

PROJECT, OTHER_PROJECT, DOMAIN = "plans", "plans-other", "development"
PAGE = 20
BASE_TIME = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LAUNCH_PLAN_NAMES = 10
FINISHED = ("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "ABORTED")


# --- what a query is, and how its plan reads -----------------------------------------------


@dataclass(frozen=True)
class QueryShape:
    name: str
    collection: str
    operation: str  # the driver call that sends it: find, find_one, count_documents, ...
    filter: Mapping[str, Any] = field(repr=False)
    sort: tuple[tuple[str, int], ...]
    limit: int  # 0: none
    issued_by: str
    expected: str  # "index" or "scan"
    sorts_in_memory: bool = False  # SQLite sorts the narrowed rows rather than reading in order
    note: str = ""  # for a scan, why it is tolerable; for any shape, what its plan costs


@dataclass(frozen=True)
class Plan:
    """FerretDB's answer to ``explain``: SQLite's EXPLAIN QUERY PLAN rows and the pushdowns."""

    steps: tuple[str, ...]
    filter_pushdown: bool
    sort_pushdown: bool

    @property
    def reads(self) -> tuple[str, ...]:
        """The steps that read rows (one, or one per branch of a MULTI-INDEX OR)."""
        return tuple(step for step in self.steps if step.startswith(("SEARCH ", "SCAN ")))

    @property
    def verdict(self) -> str:
        searched = all(step.startswith("SEARCH ") and " INDEX " in step for step in self.reads)
        return "index" if self.reads and searched else "scan"

    @property
    def indexes(self) -> tuple[str, ...]:
        """The indexes read, by the names the services gave them."""
        names = []
        for step in self.reads:
            table = step.split()[1]
            if used := _INDEX_USED.search(step):
                names.append(used["name"].removeprefix(f"{table}_"))
        return tuple(dict.fromkeys(names))

    @property
    def sorts_in_memory(self) -> bool:
        """SQLite sorts the narrowed rows itself instead of reading them in index order."""
        return any(step.startswith("USE TEMP B-TREE FOR ORDER BY") for step in self.steps)


_INDEX_USED = re.compile(r"USING (?:COVERING )?INDEX (?P<name>\S+)")
_PLAN_ROW = re.compile(r"^id=\d+ parent=\d+ notused=\d+ detail=")


def explain(database: Database[Any], shape: QueryShape) -> Plan:
    command: dict[str, Any] = {"find": shape.collection, "filter": dict(shape.filter)}
    if shape.sort:
        command["sort"] = dict(shape.sort)
    answer = database.command({"explain": command})
    rows = answer["queryPlanner"].get("Plan", [])
    return Plan(
        steps=tuple(_PLAN_ROW.sub("", row) for row in rows),
        filter_pushdown=bool(answer["filterPushdown"]),
        sort_pushdown=bool(answer["sortPushdown"]),
    )


# --- recording what the stores send ------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    collection: str
    operation: str
    filter: Mapping[str, Any]
    sort: tuple[tuple[str, int], ...] = ()
    limit: int = 0


class _Result:
    """Every write acknowledged as matching one document, so stores proceed as on success."""

    matched_count = 1
    modified_count = 1
    deleted_count = 1
    upserted_id = None
    inserted_id = None


class _Rows:
    def __init__(self, rows: Sequence[dict[str, Any]]) -> None:
        self._rows = iter(rows)

    def __aiter__(self) -> _Rows:
        return self

    async def __anext__(self) -> dict[str, Any]:
        try:
            return next(self._rows)
        except StopIteration:
            raise StopAsyncIteration from None


class _RecordingCursor:
    """A find: recorded when read, after the chained sort and limit."""

    def __init__(
        self, collection: RecordingCollection, query: Mapping[str, Any], sort: Any
    ) -> None:
        self._collection, self._query = collection, query
        self._sort: tuple[tuple[str, int], ...] = _sort_of(sort)
        self._limit = 0

    def sort(self, key: Any, direction: int | None = None) -> _RecordingCursor:
        self._sort = _sort_of([(key, direction)] if direction is not None else key)
        return self

    def limit(self, count: int) -> _RecordingCursor:
        self._limit = count
        return self

    def _read(self) -> list[dict[str, Any]]:
        self._collection.record("find", self._query, self._sort, self._limit)
        rows = self._collection.database.rows.get(self._collection.name, [])
        return rows[: self._limit] if self._limit else list(rows)

    async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
        return self._read()

    def __aiter__(self) -> _Rows:
        return _Rows(self._read())


def _sort_of(sort: Any) -> tuple[tuple[str, int], ...]:
    if not sort:
        return ()
    return tuple((str(key), int(direction)) for key, direction in sort)


class RecordingCollection:
    """The part of pymongo's AsyncCollection the stores use."""

    def __init__(self, database: RecordingDatabase, name: str) -> None:
        self.database, self.name = database, name

    def record(
        self,
        operation: str,
        query: Mapping[str, Any],
        sort: tuple[tuple[str, int], ...] = (),
        limit: int = 0,
    ) -> None:
        self.database.sent.append(Sent(self.name, operation, query, sort, limit))

    def find(
        self, query: Mapping[str, Any], projection: Any = None, *, sort: Any = None, skip: int = 0
    ) -> _RecordingCursor:
        return _RecordingCursor(self, query, sort)

    async def find_one(
        self, query: Mapping[str, Any], projection: Any = None
    ) -> dict[str, Any] | None:
        self.record("find_one", query, limit=1)
        return self.database.found.get(self.name)

    async def count_documents(self, query: Mapping[str, Any]) -> int:
        self.record("count_documents", query)
        return 0

    async def distinct(self, key: str, query: Mapping[str, Any]) -> list[Any]:
        self.record("distinct", query)
        return []

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]]) -> _Rows:
        """Recorded as its leading ``$match``: the only stage FerretDB hands to SQLite when a
        ``$group`` follows (the grouping, sort and limit happen in memory)."""
        self.record("aggregate", pipeline[0]["$match"])
        return _Rows([])

    async def update_one(self, query: Mapping[str, Any], update: Any, upsert: bool = False) -> Any:
        self.record("update_one (upsert)" if upsert else "update_one", query)
        return _Result()

    async def update_many(self, query: Mapping[str, Any], update: Any) -> Any:
        self.record("update_many", query)
        return _Result()

    async def replace_one(
        self, query: Mapping[str, Any], replacement: Any, upsert: bool = False
    ) -> Any:
        self.record("replace_one (upsert)" if upsert else "replace_one", query)
        return _Result()

    async def delete_one(self, query: Mapping[str, Any]) -> Any:
        self.record("delete_one", query)
        return _Result()

    async def delete_many(self, query: Mapping[str, Any]) -> Any:
        self.record("delete_many", query)
        return _Result()

    async def insert_one(self, document: dict[str, Any]) -> Any:
        if self.name in self.database.taken:
            raise DuplicateKeyError(f"E11000 duplicate key in {self.name}")
        document.setdefault("_id", ObjectId())  # as the driver does
        self.database.inserted.setdefault(self.name, []).append(document)
        return _Result()


class RecordingDatabase:
    """``rows``: what finds on a collection read; ``found``: what its find_one returns."""

    def __init__(
        self,
        rows: Mapping[str, list[dict[str, Any]]] | None = None,
        found: Mapping[str, dict[str, Any]] | None = None,
        taken: Collection[str] = (),
    ) -> None:
        self.rows, self.found = dict(rows or {}), dict(found or {})
        self.taken = frozenset(taken)
        """Collections whose inserts find their ``_id`` taken."""
        self.sent: list[Sent] = []
        self.inserted: dict[str, list[dict[str, Any]]] = {}

    def __getitem__(self, name: str) -> RecordingCollection:
        return RecordingCollection(self, name)


Result = TypeVar("Result")


def issue(
    call: Callable[[Any], Coroutine[Any, Any, Result]],
    *,
    rows: Mapping[str, list[dict[str, Any]]] | None = None,
    found: Mapping[str, dict[str, Any]] | None = None,
    taken: Collection[str] = (),
) -> tuple[Result | None, RecordingDatabase]:
    """Runs a store call against a recording database. The recorder never suspends, so the
    call completes on its first step, without an event loop; a store answering "not found" to
    the recorder's empty collections has still sent its query."""
    database = RecordingDatabase(rows, found, taken)
    running = call(database)
    try:
        running.send(None)
    except StopIteration as finished:
        return finished.value, database
    except faults.NotFound:
        return None, database
    running.close()
    raise RuntimeError("the store awaited something besides the recorder")


def sent(call: Callable[[Any], Coroutine[Any, Any, object]], **canned: Any) -> list[Sent]:
    return issue(call, **canned)[1].sent


def shape(
    recorded: Sent | Sequence[Sent],
    name: str,
    issued_by: str,
    expected: str = "index",
    *,
    sorts_in_memory: bool = False,
    note: str = "",
) -> QueryShape:
    """The shape of the one command ``recorded`` holds."""
    if not isinstance(recorded, Sent):
        (recorded,) = recorded
    return QueryShape(
        name=name,
        collection=recorded.collection,
        operation=recorded.operation,
        filter=recorded.filter,
        sort=recorded.sort,
        limit=recorded.limit,
        issued_by=issued_by,
        expected=expected,
        sorts_in_memory=sorts_in_memory,
        note=note,
    )


def only(recorded: Sequence[Sent], collection: str, operation: str) -> Sent:
    (match,) = (s for s in recorded if s.collection == collection and s.operation == operation)
    return match


# --- representative documents, built by the services' own document functions --------------


def execution_id(project: str, number: int) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain=DOMAIN, name=f"e{number:07d}"
    )


def launch_plan_name(number: int) -> str:
    return f"plans.workflows.lp{number % LAUNCH_PLAN_NAMES}"


def execution_phase(number: int) -> str:
    """Mostly finished, as in a project that has run for a while: one execution in 100 queued
    and one in 50 running, so a phase filter looks for rare rows."""
    if number % 100 == 1:
        return "QUEUED"
    if number % 50 == 2:
        return "RUNNING"
    return FINISHED[number // 7 % len(FINISHED)]


def execution_document(project: str, number: int) -> dict[str, Any]:
    """An execution as admin inserts it, with the progress fields the projector later sets."""
    created = BASE_TIME + timedelta(seconds=number)
    execution = execution_pb2.Execution(id=execution_id(project, number))
    execution.spec.launch_plan.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project=project,
            domain=DOMAIN,
            name=launch_plan_name(number),
            version="v1",
        )
    )
    execution.spec.metadata.principal = f"user{number % 3}"
    execution.closure.created_at.FromDatetime(created)
    execution.closure.workflow_id.CopyFrom(execution.spec.launch_plan)
    execution.closure.workflow_id.resource_type = identifier_pb2.WORKFLOW
    phase = execution_phase(number)
    execution.closure.phase = core_execution_pb2.WorkflowExecution.Phase.Value(phase)
    document = document_of(ExecutionRecord(execution, "s3://inputs", "s3://user-inputs"), created)
    if phase != "QUEUED":
        document[executions.STARTED_AT] = created + timedelta(seconds=2)
    return document


def node_execution_id(
    execution: identifier_pb2.WorkflowExecutionIdentifier, node: str
) -> identifier_pb2.NodeExecutionIdentifier:
    return identifier_pb2.NodeExecutionIdentifier(node_id=node, execution_id=execution)


def node_document(
    node_id: identifier_pb2.NodeExecutionIdentifier,
    created: datetime,
    parent_id: str = "",
    parent_task: str = "",
) -> dict[str, Any]:
    """A node execution as the projector writes it, ``created_at`` set when it is created."""
    node = node_execution_pb2.NodeExecution(id=node_id)
    node.closure.phase = core_execution_pb2.NodeExecution.SUCCEEDED
    node.closure.created_at.FromDatetime(created)
    node.closure.started_at.FromDatetime(created)
    record = node_executions.NodeRecord(
        node, parent_id=parent_id, parent_task_execution_id=parent_task
    )
    document = node_executions.node_document(record, EventPosition(0, 1), created)
    document[ROW_CREATED_AT] = created
    return document


def task_execution_id(
    node_id: identifier_pb2.NodeExecutionIdentifier, attempt: int
) -> identifier_pb2.TaskExecutionIdentifier:
    task = identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK,
        project=node_id.execution_id.project,
        domain=DOMAIN,
        name=f"plans.tasks.{node_id.node_id}",
        version="v1",
    )
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=task, node_execution_id=node_id, retry_attempt=attempt
    )


def task_document(
    task_id: identifier_pb2.TaskExecutionIdentifier, created: datetime
) -> dict[str, Any]:
    """A task attempt as the projector writes it, ``created_at`` set when it is created."""
    task = task_execution_pb2.TaskExecution(id=task_id)
    task.closure.phase = core_execution_pb2.TaskExecution.SUCCEEDED
    task.closure.created_at.FromDatetime(created)
    record = task_executions.TaskRecord(task)
    document = task_executions.task_document(record, EventPosition(0, 1), created)
    document[ROW_CREATED_AT] = created
    return document


def entity_id(resource_type: int, name: str, version: str = "v1") -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=resource_type, project=PROJECT, domain=DOMAIN, name=name, version=version
    )


def task_entity(name: str, version: str) -> task_pb2.Task:
    return task_pb2.Task(id=entity_id(identifier_pb2.TASK, name, version))


def workflow_entity(name: str, version: str) -> workflow_pb2.Workflow:
    return workflow_pb2.Workflow(id=entity_id(identifier_pb2.WORKFLOW, name, version))


def launch_plan_entity(name: str, version: str) -> launch_plan_pb2.LaunchPlan:
    launch_plan = launch_plan_pb2.LaunchPlan(
        id=entity_id(identifier_pb2.LAUNCH_PLAN, name, version)
    )
    launch_plan.spec.workflow_id.CopyFrom(entity_id(identifier_pb2.WORKFLOW, name, version))
    return launch_plan


def description_entity(name: str, version: str) -> description_entity_pb2.DescriptionEntity:
    return description_entity_pb2.DescriptionEntity(
        id=entity_id(identifier_pb2.TASK, name, version), short_description=f"{name} {version}"
    )


def attribute_key(number: int) -> AttributeKey:
    return AttributeKey(
        resource_type=matchable_resource_pb2.EXECUTION_QUEUE,
        project=PROJECT if number % 2 else OTHER_PROJECT,
        domain=DOMAIN if number % 3 else "",
        workflow=f"plans.workflows.wf{number}" if number % 5 == 0 else "",
    )


def run(key: str, partition: int) -> StoredRun:
    return StoredRun(key, partition, commands_pb2.ExecutionCreated(), RunState())


# --- the shapes --------------------------------------------------------------------------

EXECUTION = execution_id(PROJECT, 7)
NODE = node_execution_id(EXECUTION, "n1")
TASK_EXECUTION = task_execution_id(NODE, 0)
TASK_KEY = task_executions.task_key(TASK_EXECUTION)
TASK_NAME, WORKFLOW_NAME = "plans.tasks.t1", "plans.workflows.wf1"
LAUNCH_PLAN = entity_id(identifier_pb2.LAUNCH_PLAN, launch_plan_name(1), "v2")
NEWEST_FIRST = common_pb2.Sort(key="created_at", direction=common_pb2.Sort.DESCENDING)
RECENTLY_UPDATED_FIRST = common_pb2.Sort(key="updated_at", direction=common_pb2.Sort.DESCENDING)


def _executions(database: Any) -> MongoExecutionStore:
    return MongoExecutionStore.of(database)


def _list_executions(
    filters: str = "", sort: common_pb2.Sort | None = None, token: str = "", name: str = ""
) -> Callable[[Any], Coroutine[Any, Any, tuple[list[execution_pb2.Execution], str]]]:
    """ListExecutions as its service calls the store: with the ACTIVE-only default added."""
    request = common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=name),
        limit=PAGE,
        token=token,
        filters=filters,
    )
    if sort is not None:
        request.sort_by.CopyFrom(sort)
    listed = executions_lifecycle.listing_filters(request.filters)
    return lambda database: _executions(database).list_page(request, listed)


def _second_page(
    listing: Callable[..., Callable[[Any], Coroutine[Any, Any, tuple[Any, str]]]],
    collection: str,
    last_row: dict[str, Any],
    **request: Any,
) -> list[Sent]:
    """The query of page 2, reached as a client pages: with the token page 1 answered after a
    full page ending at ``last_row``."""
    answer, _ = issue(listing(**request), rows={collection: [last_row] * PAGE})
    assert answer is not None and answer[1], "page 1 was full, so it must carry a token"
    return sent(listing(**request, token=answer[1]))


def checked_on_each_row(field: str, remedy: str) -> str:
    return (
        f"Read in order from the (project, domain, created_at, _id) index, {field} checked on "
        f"each row until a page matches: a rare value reads far into the project. {remedy}"
    )


def execution_shapes() -> list[QueryShape]:
    by_key = sent(lambda db: _executions(db).get(EXECUTION))
    abort = outbox.termination_requested(
        EXECUTION, executions_lifecycle.abort_metadata("stop"), BASE_TIME
    )
    aborted = sent(
        lambda db: _executions(db).request_abort(
            EXECUTION, executions_lifecycle.abort_metadata("stop"), abort, BASE_TIME
        )
    )
    owed = {"message_id": abort.message_id, "queued_at": BASE_TIME}
    cleared = sent(
        lambda db: _executions(db).clear(EXECUTION, abort.message_id),
        found={executions.COLLECTION: {"pending_messages": [owed]}},
    )
    last_row = execution_document(PROJECT, 4321)
    lookups = "GetExecution, GetExecutionData, TerminateExecution, UpdateExecution"
    return [
        shape(
            by_key,
            "execution by key",
            f"admin {lookups}, CreateExecution's parent check (MongoExecutionStore.get, phase, "
            "update_state; MongoExecutionReader.get); outbox relay (pending, clear); events "
            "gateway seeding its acknowledged state (MongoProjectionView.snapshot)",
        ),
        shape(
            only(aborted, executions.COLLECTION, "update_one"),
            "execution by key, unless terminal",
            "admin TerminateExecution (MongoExecutionStore.request_abort)",
        ),
        shape(
            only(cleared, executions.COLLECTION, "update_one"),
            "execution by key, guarded by its outbox as read",
            "admin outbox relay (MongoExecutionStore.clear, record_failure)",
        ),
        # Written out as MongoProjectionRecords._update_executions builds it: a bulk write's
        # UpdateOne keeps its filter to itself, so the recorder cannot read it back.
        QueryShape(
            name="execution by key, guarded by the loaded phase",
            collection=executions.COLLECTION,
            operation="bulk_write update_one",
            filter={**executions.by_key(EXECUTION), executions.PHASE: "RUNNING"},
            sort=(),
            limit=0,
            issued_by="events projector (MongoProjectionRecords._update_executions)",
            expected="index",
        ),
        shape(
            sent(
                lambda db: MongoProjectionRecords(db).load(
                    Wanted(frozenset({(PROJECT, DOMAIN, EXECUTION.name)}), frozenset(), frozenset())
                )
            ),
            "executions of a batch",
            "events projector (MongoProjectionRecords.load)",
        ),
        shape(
            sent(lambda db: _executions(db).count_active(PROJECT, DOMAIN, launch_plan_name(1))),
            "active executions of a launch plan",
            "admin CreateExecution with a concurrency policy (MongoExecutionStore.count_active)",
            note="Every execution of the launch plan is read to check its phase, so the count "
            "grows with the launch plan's history (only launch plans with a concurrency policy "
            "pay it). An index (project, domain, launch_plan_name, phase) would read only the "
            "QUEUED and RUNNING ones.",
        ),
        shape(
            sent(_list_executions()),
            "ListExecutions, default order",
            "admin ListExecutions without sort_by (flytectl get execution)",
        ),
        shape(
            sent(_list_executions(sort=NEWEST_FIRST)),
            "ListExecutions, newest first",
            "admin ListExecutions (console, flytekit remote)",
        ),
        shape(
            _second_page(_list_executions, executions.COLLECTION, last_row, sort=NEWEST_FIRST),
            "ListExecutions, newest first, page 2 (keyset)",
            "admin ListExecutions with a page token",
        ),
        shape(
            sent(_list_executions(sort=RECENTLY_UPDATED_FIRST)),
            "ListExecutions, recently updated first",
            "admin ListExecutions (console, sorted by last update)",
        ),
        shape(
            _second_page(
                _list_executions, executions.COLLECTION, last_row, sort=RECENTLY_UPDATED_FIRST
            ),
            "ListExecutions, recently updated first, page 2 (keyset)",
            "admin ListExecutions with a page token",
        ),
        shape(
            sent(_list_executions("eq(phase,RUNNING)", NEWEST_FIRST)),
            "ListExecutions, one phase",
            "admin ListExecutions filtered by phase",
        ),
        shape(
            sent(_list_executions("value_in(phase,QUEUED;RUNNING)", NEWEST_FIRST)),
            "ListExecutions, some phases",
            "admin ListExecutions filtered by phases (console status filter)",
            note=checked_on_each_row(
                "phase",
                "The (project, domain, phase, created_at, _id) index serves one phase; for "
                "several, SQLite prefers the order's index to merging one range per phase.",
            ),
        ),
        shape(
            sent(_list_executions(f"eq(launch_plan.name,{launch_plan_name(1)})", NEWEST_FIRST)),
            "ListExecutions of a launch plan",
            "admin ListExecutions filtered by launch plan (console launch plan page)",
        ),
        shape(
            sent(_list_executions(f"eq(workflow.name,{launch_plan_name(1)})", NEWEST_FIRST)),
            "ListExecutions of a workflow",
            "admin ListExecutions filtered by workflow (console workflow page)",
        ),
        shape(
            sent(_list_executions("gte(started_at,2026-01-05T09:00:00Z)", NEWEST_FIRST)),
            "ListExecutions started since",
            "admin ListExecutions filtered by start time",
            sorts_in_memory=True,
            note="The started_at range is searched, then every execution started since is "
            "sorted by created_at before the first page: proportional to the range. No index "
            "serves a range on one field in the order of another; SQLite, without statistics, "
            "prefers the range even when it holds most of the project.",
        ),
        shape(
            sent(_list_executions(name="e0000007")),
            "ListExecutions by id.name",
            "admin ListExecutions naming an execution in the request id",
        ),
        shape(
            sent(_list_executions("eq(user,user1)", NEWEST_FIRST)),
            "ListExecutions by an unindexed column",
            "admin ListExecutions filtered by user (narrowed by project and domain only)",
            note=checked_on_each_row(
                "user", "As for every column without an index of its own (LISTED_COLUMNS)."
            ),
        ),
    ]


def outbox_mark_shapes() -> list[QueryShape]:
    message = outbox.termination_requested(
        EXECUTION, executions_lifecycle.abort_metadata("stop"), BASE_TIME
    )
    marked = sent(
        lambda db: _executions(db).request_abort(
            EXECUTION, executions_lifecycle.abort_metadata("stop"), message, BASE_TIME
        ),
        taken={"execution_outbox_marks"},  # a repeated termination: its message id is marked
    )
    owed = {"message_id": message.message_id, "queued_at": BASE_TIME}
    cleared = sent(
        lambda db: _executions(db).clear(EXECUTION, message.message_id),
        found={executions.COLLECTION: {"pending_messages": [owed]}},
    )
    backlog = sent(lambda db: _executions(db).backlog(BASE_TIME))
    return [
        shape(
            only(marked, "execution_outbox_marks", "update_one (upsert)"),
            "outbox mark by message id",
            "admin TerminateExecution repeated, CreateExecution racing for a name "
            "(MongoExecutionStore._mark_owed, once the mark's insert finds its id taken)",
        ),
        shape(
            sent(lambda db: _executions(db).pending(BASE_TIME, 100)),
            "outbox marks due",
            "admin outbox relay loop (MongoExecutionStore.pending)",
            expected="scan",
            note="The relay pages marks by _id, and the pushdown leaves ranges on _id to the "
            "handler (an _id's JSON text does not order like its value), so SQLite walks the _id "
            "index in order and checks queued_at on each mark. The collection holds only "
            "messages not yet published, normally a handful. Paging by (queued_at, _id) over "
            "an index on both would make it a SEARCH.",
        ),
        shape(
            only(cleared, "execution_outbox_marks", "delete_one"),
            "outbox mark by message id and age",
            "admin outbox relay (MongoExecutionStore._drop_mark)",
        ),
        shape(
            only(backlog, "execution_outbox_marks", "count_documents"),
            "outbox marks queued so far, counted",
            "admin outbox relay, after each pass (MongoExecutionStore.backlog: backlog gauge)",
        ),
        shape(
            only(backlog, "execution_outbox_marks", "find"),
            "oldest outbox mark",
            "admin outbox relay, after each pass (MongoExecutionStore.backlog: oldest age gauge)",
        ),
    ]


def _nodes(database: Any) -> MongoNodeExecutionStore:
    return MongoNodeExecutionStore(database[node_executions.COLLECTION])


TOP_LEVEL = NodeParent()


def _list_nodes(
    parent: NodeParent = TOP_LEVEL, token: str = ""
) -> Callable[[Any], Coroutine[Any, Any, tuple[Any, str]]]:
    request = node_execution_pb2.NodeExecutionListRequest(
        workflow_execution_id=EXECUTION, limit=PAGE, token=token, unique_parent_id=parent.node_id
    )
    return lambda database: _nodes(database).list_page(EXECUTION, parent, request)


SNAPSHOT = sent(
    lambda db: MongoProjectionView(db).snapshot(EXECUTION, "not found"),
    found={executions.COLLECTION: execution_document(PROJECT, 7)},
)
"""What the events gateway reads of an execution the first time an event names it."""


def node_execution_shapes() -> list[QueryShape]:
    last_row = node_document(node_execution_id(EXECUTION, "n20"), BASE_TIME)
    return [
        shape(
            sent(lambda db: _nodes(db).get(NODE)),
            "node execution by key",
            "admin GetNodeExecution, GetNodeExecutionData, CreateExecution's parent node check "
            "(MongoParentNodes.exists); events projector writes (by key)",
        ),
        shape(
            only(SNAPSHOT, node_executions.COLLECTION, "find"),
            "node executions of an execution",
            "events gateway seeding its acknowledged state (MongoProjectionView.snapshot)",
        ),
        shape(
            sent(
                lambda db: MongoProjectionRecords(db).load(
                    Wanted(frozenset(), frozenset({node_executions.node_key(NODE)}), frozenset())
                )
            ),
            "node executions of a batch",
            "events projector (MongoProjectionRecords.load)",
        ),
        shape(
            sent(_list_nodes()),
            "ListNodeExecutions, top level",
            "admin ListNodeExecutions (console execution page)",
        ),
        shape(
            _second_page(_list_nodes, node_executions.COLLECTION, last_row),
            "ListNodeExecutions, top level, page 2 (keyset)",
            "admin ListNodeExecutions with a page token",
        ),
        shape(
            sent(_list_nodes(NodeParent(node_id="n1"))),
            "ListNodeExecutions, children of a node",
            "admin ListNodeExecutions with unique_parent_id (subworkflows, branches)",
        ),
        shape(
            sent(_list_nodes(NodeParent(task_key=TASK_KEY))),
            "ListNodeExecutionsForTask",
            "admin ListNodeExecutionsForTask (dynamic workflow children)",
            note="SQLite prefers the execution's (scope, created_at, _id) index to "
            "node_parent_task, checking parent_task_execution_id on each of its nodes.",
        ),
        shape(
            sent(lambda db: _nodes(db).parents_among(EXECUTION, ["n1", "n2", "n3"])),
            "which listed nodes have children",
            "admin ListNodeExecutions' is_parent_node flags (parents_among)",
        ),
        shape(
            sent(lambda db: _nodes(db).launchers_among([TASK_KEY])),
            "which listed task attempts launched nodes",
            "admin ListTaskExecutions' is_parent flags (launchers_among)",
        ),
    ]


def _tasks(database: Any) -> MongoTaskExecutionStore:
    return MongoTaskExecutionStore(database[task_executions.COLLECTION])


def _list_task_executions(token: str = "") -> Callable[[Any], Coroutine[Any, Any, Any]]:
    request = task_execution_pb2.TaskExecutionListRequest(
        node_execution_id=NODE, limit=PAGE, token=token
    )
    return lambda database: _tasks(database).list_page(NODE, request)


def task_execution_shapes() -> list[QueryShape]:
    last_row = task_document(task_execution_id(NODE, 3), BASE_TIME)
    return [
        shape(
            sent(lambda db: _tasks(db).get(TASK_EXECUTION)),
            "task execution by key",
            "admin GetTaskExecution, GetTaskExecutionData; events projector writes (by key)",
        ),
        shape(
            only(SNAPSHOT, task_executions.COLLECTION, "find"),
            "task executions of an execution",
            "events gateway seeding its acknowledged state (MongoProjectionView.snapshot)",
        ),
        shape(
            sent(
                lambda db: MongoProjectionRecords(db).load(
                    Wanted(frozenset(), frozenset(), frozenset({TASK_KEY}))
                )
            ),
            "task executions of a batch",
            "events projector (MongoProjectionRecords.load)",
        ),
        shape(
            sent(_list_task_executions()),
            "ListTaskExecutions of a node execution",
            "admin ListTaskExecutions (console node details)",
        ),
        shape(
            _second_page(_list_task_executions, task_executions.COLLECTION, last_row),
            "ListTaskExecutions, page 2 (keyset)",
            "admin ListTaskExecutions with a page token",
        ),
    ]


VersionedStore = MongoTaskStore | MongoWorkflowStore | MongoLaunchPlanStore


def _versioned(collection: str, database: Any) -> VersionedStore:
    if collection == "tasks":
        return MongoTaskStore(database[collection])
    if collection == "workflows":
        return MongoWorkflowStore(database[collection])
    return MongoLaunchPlanStore(database[collection], database["active_launch_plans"])


def _list_versions(
    collection: str, name: str = "", sort: common_pb2.Sort | None = None, token: str = ""
) -> Callable[[Any], Coroutine[Any, Any, tuple[Any, str]]]:
    """ListTasks / ListWorkflows / ListLaunchPlans as their service scopes them."""
    request = common_pb2.ResourceListRequest(
        id=common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=name),
        limit=PAGE,
        token=token,
    )
    if sort is not None:
        request.sort_by.CopyFrom(sort)
    scope = identifiers.named_scope(PROJECT, DOMAIN, name)
    return lambda database: _versioned(collection, database).list_page(request, scope)


def _get_version(
    collection: str, identifier: identifier_pb2.Identifier
) -> Callable[[Any], Coroutine[Any, Any, Any]]:
    return lambda database: _versioned(collection, database).get(identifier)


def _list_ids(collection: str) -> Callable[[Any], Coroutine[Any, Any, Any]]:
    request = common_pb2.NamedEntityIdentifierListRequest(
        project=PROJECT, domain=DOMAIN, limit=PAGE
    )
    scope = identifiers.project_domain_scope(PROJECT, DOMAIN)
    return lambda database: _versioned(collection, database).list_ids(request, scope)


def versioned_shapes() -> list[QueryShape]:
    inserted = issue(
        lambda db: MongoTaskStore(db["tasks"]).insert(
            task_entity(TASK_NAME, "v9"), "d", "python-task"
        )
    )
    last_task = inserted[1].inserted["tasks"][0]
    rpc = {"tasks": "Task", "workflows": "Workflow", "launch_plans": "LaunchPlan"}
    names = {"tasks": TASK_NAME, "workflows": WORKFLOW_NAME, "launch_plans": LAUNCH_PLAN.name}
    entity = {
        "tasks": entity_id(identifier_pb2.TASK, TASK_NAME),
        "workflows": entity_id(identifier_pb2.WORKFLOW, WORKFLOW_NAME),
        "launch_plans": LAUNCH_PLAN,
    }
    found: list[QueryShape] = []
    for collection, kind in rpc.items():
        found += [
            shape(
                sent(_get_version(collection, entity[collection])),
                f"{kind} by id",
                f"admin Get{kind}, Create{kind}'s digest check, CreateExecution's lookups",
            ),
            shape(
                sent(_list_versions(collection)),
                f"List{kind}s of a project",
                f"admin List{kind}s by project and domain (default order)",
            ),
            shape(
                sent(_list_versions(collection, names[collection], NEWEST_FIRST)),
                f"List{kind}s, versions of one, newest first",
                f"admin List{kind}s naming the entity (console versions list, flytectl)",
            ),
            shape(
                sent(_list_ids(collection)),
                f"List{kind} identifiers",
                f"admin List{kind}Ids (grouped and sorted in memory after the $match)",
            ),
        ]
    found.append(
        shape(
            _second_page(
                lambda **request: _list_versions("tasks", TASK_NAME, NEWEST_FIRST, **request),
                "tasks",
                last_task,
            ),
            "ListTasks, versions of one, newest first, page 2 (keyset)",
            "admin ListTasks with a page token",
        )
    )
    return found


def _launch_plans(database: Any) -> MongoLaunchPlanStore:
    return MongoLaunchPlanStore(database["launch_plans"], database["active_launch_plans"])


def launch_plan_activation_shapes() -> list[QueryShape]:
    pointer = {"active_launch_plans": {"version": "v1"}}
    activated = sent(lambda db: _launch_plans(db).activate(LAUNCH_PLAN), found=pointer)
    deactivated = sent(lambda db: _launch_plans(db).deactivate(LAUNCH_PLAN), found=pointer)
    active = launch_plan_pb2.ActiveLaunchPlanListRequest(project=PROJECT, domain=DOMAIN, limit=PAGE)
    scope = identifiers.project_domain_scope(PROJECT, DOMAIN)
    return [
        shape(
            only(activated, "active_launch_plans", "update_one (upsert)"),
            "active version pointer, set",
            "admin UpdateLaunchPlan to ACTIVE (MongoLaunchPlanStore.activate)",
        ),
        shape(
            only(activated, "active_launch_plans", "find_one"),
            "active version pointer",
            "admin GetActiveLaunchPlan, UpdateLaunchPlan (get_active, _converge)",
        ),
        shape(
            only(deactivated, "active_launch_plans", "delete_one"),
            "active version pointer, cleared",
            "admin UpdateLaunchPlan to INACTIVE (MongoLaunchPlanStore.deactivate)",
        ),
        shape(
            only(activated, "launch_plans", "update_many"),
            "other versions still marked active",
            "admin UpdateLaunchPlan (MongoLaunchPlanStore._converge)",
        ),
        shape(
            only(activated, "launch_plans", "update_one"),
            "the active version, unless marked",
            "admin UpdateLaunchPlan (MongoLaunchPlanStore._converge)",
        ),
        shape(
            sent(lambda db: _launch_plans(db).list_active(active, scope)),
            "ListActiveLaunchPlans",
            "admin ListActiveLaunchPlans (schedulers, console)",
            note="state is checked on each of the project's launch plans, read in created_at "
            "order.",
        ),
    ]


def entity_metadata_shapes() -> list[QueryShape]:
    named = common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=TASK_NAME)
    listed_named = common_pb2.NamedEntityListRequest(
        resource_type=identifier_pb2.TASK, project=PROJECT, domain=DOMAIN, limit=PAGE
    )
    listed_descriptions = description_entity_pb2.DescriptionEntityListRequest(
        resource_type=identifier_pb2.TASK, id=named, limit=PAGE
    )
    description_scope = identifiers.named_scope(PROJECT, DOMAIN, TASK_NAME)

    def named_entities(database: Any) -> MongoNamedEntityStore:
        return MongoNamedEntityStore(database["named_entities"])

    def descriptions(database: Any) -> MongoDescriptionEntityStore:
        return MongoDescriptionEntityStore(database["description_entities"])

    return [
        shape(
            sent(lambda db: named_entities(db).metadata(identifier_pb2.TASK, named)),
            "named entity by key",
            "admin GetNamedEntity, UpdateNamedEntity, every registration (ensure, exists, "
            "metadata, save_metadata)",
        ),
        shape(
            sent(lambda db: named_entities(db).list_page(listed_named)),
            "ListNamedEntities",
            "admin ListNamedEntities (console project page)",
        ),
        shape(
            sent(lambda db: descriptions(db).get(entity_id(identifier_pb2.TASK, TASK_NAME))),
            "description entity by key",
            "admin GetDescriptionEntity, every registration (ensure)",
        ),
        shape(
            sent(lambda db: descriptions(db).list_page(listed_descriptions, description_scope)),
            "ListDescriptionEntities",
            "admin ListDescriptionEntities",
        ),
    ]


def project_shapes() -> list[QueryShape]:
    def projects(database: Any) -> MongoProjectStore:
        return MongoProjectStore(database["projects"])

    return [
        shape(
            sent(lambda db: projects(db).get(PROJECT)),
            "project by id",
            "admin GetProject, UpdateProject, every registration's project check",
        ),
        shape(
            sent(lambda db: projects(db).list_page(project_pb2.ProjectListRequest(limit=PAGE))),
            "ListProjects",
            "admin ListProjects (console, flytectl get project)",
            expected="scan",
            note="The default filter ne(state,ARCHIVED) has no SQL form, so nothing narrows "
            "and the identifier index is walked in order until a page of unarchived projects "
            "is read: a handful of rows, as projects are few.",
        ),
    ]


def attribute_shapes() -> list[QueryShape]:
    key = attribute_key(5)
    value = MatchableRecord(key, MatchingAttributes())
    written = sent(lambda db: MongoMatchableAttributeStore(db["matchable_attributes"]).put(value))

    def attributes(database: Any) -> MongoMatchableAttributeStore:
        return MongoMatchableAttributeStore(database["matchable_attributes"])

    return [
        shape(
            only(written, "matchable_attributes", "find"),
            "latest revision of a key",
            "admin Get/Update/Delete*Attributes (MongoMatchableAttributeStore._latest)",
        ),
        shape(
            only(written, "matchable_attributes", "update_many"),
            "older revisions of a key",
            "admin Update*Attributes (MongoMatchableAttributeStore._write)",
        ),
        shape(
            sent(lambda db: attributes(db).candidates(key)),
            "attributes that may apply",
            "admin CreateExecution, registration defaults (MongoMatchableAttributeStore."
            "candidates)",
            note="Every live attribute of the resource type is read and the key fields checked "
            "on each: a few per project.",
        ),
        shape(
            sent(lambda db: attributes(db).list(matchable_resource_pb2.EXECUTION_QUEUE)),
            "attributes of a resource type",
            "admin ListMatchableAttributes",
        ),
    ]


def executor_shapes() -> list[QueryShape]:
    added = sent(lambda db: MongoRunStore(db).add(run("plans/development/e0000007", 3)))
    return [
        shape(
            sent(lambda db: MongoRunStore(db).load("plans/development/e0000007")),
            "run by key",
            "executor run loop (MongoRunStore.load, save, request_abort, finish)",
        ),
        shape(
            only(added, "executor_active", "replace_one (upsert)"),
            "active run mark by key",
            "executor ExecutionCreated (MongoRunStore.add), finish's delete_one",
        ),
        shape(
            sent(lambda db: MongoRunStore(db).unfinished([0, 1, 2, 3])),
            "active runs of the assigned partitions",
            "executor resume on partition assignment (MongoRunStore.unfinished)",
        ),
    ]


def oauth_grant_shapes() -> list[QueryShape]:
    put = sent(lambda db: MongoPendingGrants(db).put("code:k", {"subject": "ada"}, 1.0))
    return [
        shape(
            sent(lambda db: MongoPendingGrants(db).get("code:k"), found={"oauth_grants": {}}),
            "pending grant by key",
            "admin /oauth2/token and the login pages (MongoPendingGrants.get, update, put)",
        ),
        shape(
            only(put, "oauth_grants", "delete_many"),
            "expired pending grants",
            "admin's built-in authorization server, once a minute (MongoPendingGrants._sweep, "
            "on oauth_grants and oauth_grant_claims alike)",
        ),
    ]


QUERY_SHAPES: list[QueryShape] = [
    *execution_shapes(),
    *outbox_mark_shapes(),
    *node_execution_shapes(),
    *task_execution_shapes(),
    *versioned_shapes(),
    *launch_plan_activation_shapes(),
    *entity_metadata_shapes(),
    *project_shapes(),
    *attribute_shapes(),
    *executor_shapes(),
    *oauth_grant_shapes(),
]


# --- a scratch database holding the services' indexes and representative documents ------

EXECUTOR_COLLECTIONS = ("executor_runs", "executor_active", "executor_dead_letters")
NODES_PER_EXECUTION = 10


async def seed(database: AsyncDatabase[Any], executions_stored: int = 300) -> None:
    """The indexes every service creates at start-up (admin creates those of the projector's
    collections), and documents written by the stores or by the document functions the stores
    write with."""
    await indexes.apply(database)
    await MongoRunStore(database).ensure_indexes()
    await _seed_registrations(database)
    await _seed_executions(database, executions_stored)
    await _seed_execution_records(database, executions=min(executions_stored, 30))
    runs = MongoRunStore(database)
    for number in range(40):
        await runs.add(run(f"{PROJECT}/{DOMAIN}/e{number:07d}", number % 8))


async def _seed_registrations(database: AsyncDatabase[Any]) -> None:
    projects = MongoProjectStore(database["projects"])
    for number in range(12):
        await projects.insert(project_pb2.Project(id=f"{PROJECT}-{number}", name=f"p{number}"))
    await projects.insert(project_pb2.Project(id=PROJECT, name=PROJECT))
    tasks = MongoTaskStore(database["tasks"])
    workflows = MongoWorkflowStore(database["workflows"])
    launch_plans = _launch_plans(database)
    named = MongoNamedEntityStore(database["named_entities"])
    descriptions = MongoDescriptionEntityStore(database["description_entities"])
    for number in range(10):
        for version in ("v1", "v2", "v3"):
            task_name = f"plans.tasks.t{number}"
            await tasks.insert(task_entity(task_name, version), version, "python-task")
            await workflows.insert(workflow_entity(f"plans.workflows.wf{number}", version), "d")
            plan = launch_plan_entity(launch_plan_name(number), version)
            await launch_plans.insert(plan, version, "NONE")
            await descriptions.ensure(description_entity(task_name, version))
        await launch_plans.activate(
            entity_id(identifier_pb2.LAUNCH_PLAN, launch_plan_name(number), "v3")
        )
        for resource_type, name in (
            (identifier_pb2.TASK, f"plans.tasks.t{number}"),
            (identifier_pb2.WORKFLOW, f"plans.workflows.wf{number}"),
            (identifier_pb2.LAUNCH_PLAN, launch_plan_name(number)),
        ):
            await named.ensure(
                resource_type,
                common_pb2.NamedEntityIdentifier(project=PROJECT, domain=DOMAIN, name=name),
            )
    attributes = MongoMatchableAttributeStore(database["matchable_attributes"])
    for number in range(30):
        await attributes.put(MatchableRecord(attribute_key(number), MatchingAttributes()))


SEED_BATCH = 1_000


async def _seed_executions(database: AsyncDatabase[Any], count: int) -> None:
    """``count`` executions, four in five in PROJECT, and a few with an owed message marked."""
    collection = database[executions.COLLECTION]
    for start in range(0, count, SEED_BATCH):
        batch = [
            execution_document(PROJECT if number % 5 else OTHER_PROJECT, number)
            for number in range(start, min(count, start + SEED_BATCH))
        ]
        await collection.insert_many(batch, ordered=False)
    store = MongoExecutionStore.of(database)
    for number in range(count, count + 10):
        document = execution_document(PROJECT, number)
        record = executions.execution_of(document)
        message = outbox.termination_requested(
            record.id, executions_lifecycle.abort_metadata("stop"), BASE_TIME
        )
        await store.insert(ExecutionRecord(record, pending_messages=(message,)), BASE_TIME)


async def _seed_execution_records(database: AsyncDatabase[Any], executions: int) -> None:
    """Node executions (top level, children of n1, launched by n2's attempt) and their task
    attempts, for the first ``executions`` executions."""
    nodes, tasks = [], []
    for number in range(executions):
        execution = execution_id(PROJECT if number % 5 else OTHER_PROJECT, number)
        started = BASE_TIME + timedelta(seconds=number)
        launcher = task_executions.task_key(
            task_execution_id(node_execution_id(execution, "n2"), 0)
        )
        for index in range(NODES_PER_EXECUTION):
            node_id = node_execution_id(execution, f"n{index}")
            created = started + timedelta(milliseconds=100 * index)
            parent, parent_task = ("n1", "") if index in (5, 6) else ("", "")
            if index in (7, 8):
                parent, parent_task = "", launcher
            nodes.append(node_document(node_id, created, parent, parent_task))
            for attempt in range(1 + index % 2):
                tasks.append(task_document(task_execution_id(node_id, attempt), created))
    if nodes:
        await database[node_executions.COLLECTION].insert_many(nodes, ordered=False)
        await database[task_executions.COLLECTION].insert_many(tasks, ordered=False)


async def create_scratch(url: str, name: str, executions_stored: int = 300) -> None:
    client: AsyncMongoClient[Any] = AsyncMongoClient(url, tz_aware=True)
    try:
        await seed(client[name], executions_stored)
    finally:
        await client.close()


@pytest.fixture(scope="module")
def scratch(mongo_url: str) -> Iterator[Database[Any]]:
    name = f"store_plans_{uuid.uuid4().hex[:8]}"
    client: MongoClient[Any] = MongoClient(mongo_url, tz_aware=True)
    try:
        asyncio.run(create_scratch(mongo_url, name))
        yield client[name]
    finally:
        client.drop_database(name)
        client.close()


# --- the checks --------------------------------------------------------------------------


def test_the_shapes_are_named_once_and_judged() -> None:
    names = [s.name for s in QUERY_SHAPES]
    assert len(names) == len(set(names)), "two shapes share a name"
    for query in QUERY_SHAPES:
        assert query.expected in ("index", "scan"), query.name
        assert query.expected == "index" or query.note, f"{query.name}: say why it may scan"


def test_every_collection_of_the_scratch_database_has_the_services_indexes(
    scratch: Database[Any],
) -> None:
    for collection, models in indexes.INDEXES.items():
        present = scratch[collection].index_information()
        for model in models:
            assert model.document["name"] in present, (collection, model.document["name"])


@pytest.mark.parametrize("query", QUERY_SHAPES, ids=[s.name for s in QUERY_SHAPES])
def test_query_plan(scratch: Database[Any], query: QueryShape) -> None:
    plan = explain(scratch, query)
    described = f"{query.name}: {query.filter} sorted {query.sort} -> {plan.steps}"
    assert plan.verdict == query.expected, described
    if query.expected == "index":
        assert plan.filter_pushdown, described
        if query.sort:
            assert plan.sort_pushdown, described
            assert plan.sorts_in_memory == query.sorts_in_memory, described

"""The ExecutionStore contract, run against the in-memory fake and real FerretDB: unique names,
the outbox (pending, clear), TerminateExecution's guarded update, state updates, listing."""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from pymongo import AsyncMongoClient, monitoring

from flightdeck_admin.domain import outbox
from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.store.executions import (
    ABANDONED_AFTER,
    OWED_COLLECTION,
    MongoExecutionStore,
)
from flightdeck_admin.store.executions_memory import InMemoryExecutionStore
from flightdeck_records import executions as records

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _id(name: str = "run1", project: str = "p") -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain="development", name=name
    )


def _record(
    name: str = "run1",
    inputs_uri: str = "file:///i",
    project: str = "p",
    tags: tuple = (),
    at: datetime = NOW,
) -> ExecutionRecord:
    execution = execution_pb2.Execution(id=_id(name, project))
    execution.spec.labels.values["team.example.com/owner"] = "ml"
    execution.spec.tags.extend(tags)
    execution.spec.launch_plan.name = "lp"
    execution.closure.created_at.FromDatetime(NOW)
    execution.closure.workflow_id.name = "wf"
    launch = outbox.Launch(execution.spec.launch_plan, inputs_uri, "file:///w", ())
    message = outbox.execution_created(execution, launch, at)
    return ExecutionRecord(execution, inputs_uri, "file:///u", (message,))


class ExecutionStoreContract:
    """What every ExecutionStore must do; subclasses supply the backend."""

    async def test_insert_then_get_returns_the_record(self, store: Any) -> None:
        await store.insert(_record(), NOW)
        stored = await store.get(_id())
        assert stored == _record()
        assert dict(stored.execution.spec.labels.values) == {"team.example.com/owner": "ml"}
        assert stored.pending_messages[0].kind == outbox.EXECUTION_CREATED
        assert await store.phase(_id()) == "UNDEFINED"

    async def test_a_taken_name_already_exists_and_keeps_the_first(self, store: Any) -> None:
        await store.insert(_record(), NOW)
        with pytest.raises(EntityAlreadyExists, match="already exists"):
            await store.insert(_record(inputs_uri="file:///other"), NOW)
        assert (await store.get(_id())).inputs_uri == "file:///i"

    @pytest.mark.parametrize("name", [f"race{n}" for n in range(20)])
    async def test_concurrent_inserts_of_one_name_admit_exactly_one(
        self, store: Any, name: str
    ) -> None:
        """Twenty races: the losers' collision may come from the name's index or from the
        outbox mark they all upsert, and only some interleavings reach the second."""
        results = await asyncio.gather(
            *(store.insert(_record(name, inputs_uri=f"file:///{n}"), NOW) for n in range(5)),
            return_exceptions=True,
        )
        assert sum(r is None for r in results) == 1
        assert all(isinstance(r, EntityAlreadyExists) for r in results if r is not None), results

    async def test_the_same_name_in_another_project_is_a_different_execution(
        self, store: Any
    ) -> None:
        await store.insert(_record(), NOW)
        await store.insert(_record(project="q"), NOW)
        assert (await store.get(_id(project="q"))).execution.id.project == "q"

    async def test_get_of_an_unknown_execution_is_not_found(self, store: Any) -> None:
        with pytest.raises(EntityNotFound, match="missing entity of type execution"):
            await store.get(_id("absent"))

    async def test_pending_messages_until_cleared(self, store: Any) -> None:
        await store.insert(_record("a"), NOW)
        await store.insert(_record("b"), NOW)
        assert await store.pending(NOW, 10) == [], "younger than the cut-off"
        due = await store.pending(NOW + timedelta(seconds=1), 10)
        assert sorted(r.execution.id.name for r in due) == ["a", "b"]
        await store.clear(_id("a"), due[0].pending_messages[0].message_id)
        remaining = await store.pending(NOW + timedelta(seconds=1), 10)
        assert [r.execution.id.name for r in remaining] == ["b"]
        assert (await store.get(_id("a"))).pending_messages == ()

    async def test_delivered_executions_do_not_use_up_the_limit(self, store: Any) -> None:
        for name in ("a", "b", "c"):
            await store.insert(_record(name), NOW)
        later = NOW + timedelta(seconds=1)
        for record in await store.pending(later, 10):
            if record.execution.id.name != "c":
                await store.clear(record.execution.id, record.pending_messages[0].message_id)
        assert [r.execution.id.name for r in await store.pending(later, 1)] == ["c"]

    async def test_a_termination_queued_after_delivery_is_pending_again(self, store: Any) -> None:
        await store.insert(_record(), NOW)
        later = NOW + timedelta(seconds=1)
        (created,) = await store.pending(later, 10)
        await store.clear(_id(), created.pending_messages[0].message_id)
        assert await store.pending(later, 10) == []
        abort = execution_pb2.AbortMetadata(cause="stop")
        message = outbox.termination_requested(_id(), abort, later)
        assert await store.request_abort(_id(), abort, message, later)
        (due,) = await store.pending(later + timedelta(seconds=1), 10)
        assert [m.kind for m in due.pending_messages] == [outbox.TERMINATION_REQUESTED]

    async def test_a_failed_delivery_is_counted_on_the_message_once(self, store: Any) -> None:
        await store.insert(_record("a"), NOW)
        (seen,) = (await store.get(_id("a"))).pending_messages
        failed = outbox.failed_delivery(seen, "MessageSizeTooLargeError: too big", 3, NOW)
        assert await store.record_failure(_id("a"), seen, failed)
        assert not await store.record_failure(_id("a"), seen, failed), "counted by another relay"
        (due,) = await store.pending(NOW + timedelta(seconds=1), 10)
        (owed,) = due.pending_messages
        assert (owed.attempts, owed.last_error, owed.parked_at) == (1, failed.last_error, None)
        assert owed.command == seen.command
        assert not await store.record_failure(_id("absent"), seen, failed)

    async def test_a_parked_message_is_kept_but_no_longer_owed(self, store: Any) -> None:
        await store.insert(_record("a"), NOW)
        abort = execution_pb2.AbortMetadata(cause="stop")
        termination = outbox.termination_requested(_id("a"), abort, NOW)
        assert await store.request_abort(_id("a"), abort, termination, NOW)
        created, _ = (await store.get(_id("a"))).pending_messages
        parked = outbox.failed_delivery(created, "refused", 1, NOW)
        assert await store.record_failure(_id("a"), created, parked)
        stored = await store.get(_id("a"))
        assert stored.parked_messages == (parked,)
        assert [m.kind for m in stored.pending_messages] == [outbox.TERMINATION_REQUESTED]
        (due,) = await store.pending(NOW + timedelta(seconds=1), 10)
        assert [m.kind for m in due.pending_messages] == [outbox.TERMINATION_REQUESTED]
        await store.clear(_id("a"), termination.message_id)
        assert await store.pending(NOW + timedelta(seconds=1), 10) == []
        assert (await store.get(_id("a"))).parked_messages == (parked,)

    async def test_clear_with_the_owed_messages_as_written(self, store: Any) -> None:
        record = _record("a")
        await store.insert(record, NOW)
        await store.clear(_id("a"), record.pending_messages[0].message_id, record.pending_messages)
        assert (await store.get(_id("a"))).pending_messages == ()
        assert await store.backlog(NOW) == outbox.Backlog(0, None)

    async def test_clear_with_a_stale_view_clears_that_message_only(self, store: Any) -> None:
        record = _record("a")
        await store.insert(record, NOW)
        abort = execution_pb2.AbortMetadata(cause="stop")
        termination = outbox.termination_requested(_id("a"), abort, NOW)
        assert await store.request_abort(_id("a"), abort, termination, NOW)
        # The creation's delivery still believes its message is the only one owed.
        created = record.pending_messages[0]
        await store.clear(_id("a"), created.message_id, record.pending_messages)
        assert (await store.get(_id("a"))).pending_messages == (termination,)
        assert await store.backlog(NOW) == outbox.Backlog(1, NOW)

    async def test_backlog_counts_the_owed_messages_and_the_oldest(self, store: Any) -> None:
        later = NOW + timedelta(seconds=10)
        await store.insert(_record("a"), NOW)
        await store.insert(_record("b"), NOW)
        abort = execution_pb2.AbortMetadata(cause="stop")
        assert await store.request_abort(
            _id("b"), abort, outbox.termination_requested(_id("b"), abort, later), later
        )
        assert await store.backlog(later) == outbox.Backlog(3, NOW)
        a_created = (await store.get(_id("a"))).pending_messages[0]
        b_created = (await store.get(_id("b"))).pending_messages[0]
        await store.clear(_id("a"), a_created.message_id)
        parked = outbox.failed_delivery(b_created, "refused", 1, NOW)
        assert await store.record_failure(_id("b"), b_created, parked)
        assert await store.backlog(later) == outbox.Backlog(1, later)
        assert (await store.backlog(later)).oldest_age_seconds(later + timedelta(seconds=5)) == 5

    async def test_abort_is_recorded_with_its_message_unless_terminal(self, store: Any) -> None:
        await store.insert(_record(), NOW)
        abort = execution_pb2.AbortMetadata(cause="stop")
        message = outbox.termination_requested(_id(), abort, NOW)
        assert await store.request_abort(_id(), abort, message, NOW)
        assert await store.phase(_id()) == "ABORTING"
        stored = await store.get(_id())
        assert stored.execution.closure.abort_metadata.cause == "stop"
        assert [m.kind for m in stored.pending_messages][-1] == outbox.TERMINATION_REQUESTED
        assert await store.request_abort(_id(), abort, message, NOW), "again while ABORTING"
        assert not await store.request_abort(_id("absent"), abort, message, NOW)

    async def test_state_updates_are_recorded(self, store: Any) -> None:
        await store.insert(_record(), NOW)
        change = execution_pb2.ExecutionStateChangeDetails(state=execution_pb2.EXECUTION_ARCHIVED)
        await store.update_state(_id(), change, NOW)
        stored = await store.get(_id())
        assert stored.execution.closure.state_change_details.state == 1
        with pytest.raises(EntityNotFound):
            await store.update_state(_id("absent"), change, NOW)

    async def test_listing_filters_pages_and_counts(self, store: Any) -> None:
        for n in range(5):
            await store.insert(_record(f"r{n}"), NOW + timedelta(seconds=n))
        request = common_pb2.ResourceListRequest(limit=2)
        request.id.project, request.id.domain = "p", "development"
        names: list[str] = []
        while True:
            page, token = await store.list_page(request, "eq(state,0)")
            names += [e.id.name for e in page]
            if not token:
                break
            request.token = token
        assert names == ["r0", "r1", "r2", "r3", "r4"], "oldest first by default"
        request.token = ""
        found, _ = await store.list_page(request, "eq(phase,UNDEFINED)+eq(execution_name,r2)")
        assert [e.id.name for e in found] == ["r2"]
        assert await store.count_active("p", "development", "lp") == 0


class TestInMemoryExecutionStore(ExecutionStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryExecutionStore:
        return InMemoryExecutionStore()


@pytest.mark.integration
class TestMongoExecutionStore(ExecutionStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoExecutionStore:
        return MongoExecutionStore.of(mongo_database)

    async def test_a_clear_knowing_the_owed_messages_reads_nothing(
        self, mongo_database: Any
    ) -> None:
        commands = _CommandNames()
        client: AsyncMongoClient = AsyncMongoClient(
            f"mongodb://127.0.0.1:{os.environ.get('FLIGHTDECK_MONGO_PORT', '27018')}/",
            event_listeners=[commands],
        )
        try:
            store = MongoExecutionStore.of(client[mongo_database.name])
            # The service's clock has microseconds, which the stored dates do not keep.
            record = _record("a", at=NOW.replace(microsecond=123_456))
            await store.insert(record, NOW)
            commands.names.clear()
            await store.clear(
                _id("a"), record.pending_messages[0].message_id, record.pending_messages
            )
            assert commands.names == ["update", "delete"]
            assert (await store.get(_id("a"))).pending_messages == ()
            assert await mongo_database[OWED_COLLECTION].count_documents({}) == 0
            commands.names.clear()
            await store.insert(_record("b"), NOW)
            await store.clear(_id("b"), _record("b").pending_messages[0].message_id)
            assert commands.names == ["insert", "insert", "find", "update", "delete"]
        finally:
            await client.close()

    async def test_a_published_message_leaves_no_mark_and_an_abandoned_one_expires(
        self, store: Any, mongo_database: Any
    ) -> None:
        await store.insert(_record("a"), NOW)
        await store.insert(_record("b"), NOW)
        a_message, b_message = [
            (await store.get(_id(name))).pending_messages[0].message_id for name in ("a", "b")
        ]
        await store.clear(_id("a"), a_message)
        abort = execution_pb2.AbortMetadata(cause="stop")
        never_stored = outbox.termination_requested(_id("absent"), abort, NOW)
        assert not await store.request_abort(_id("absent"), abort, never_stored, NOW)

        async def marks() -> list[str]:
            found = mongo_database[OWED_COLLECTION].find({}, {"_id": 1}).sort("_id", 1)
            return [mark["_id"] async for mark in found]

        assert await marks() == sorted([b_message, never_stored.message_id])
        await store.pending(NOW + timedelta(minutes=5), 10)
        assert await marks() == sorted([b_message, never_stored.message_id]), "maybe in flight"
        due = await store.pending(NOW + ABANDONED_AFTER + timedelta(seconds=1), 10)
        assert [r.execution.id.name for r in due] == ["b"]
        assert await marks() == [b_message]

    async def test_tag_and_label_filters(self, store: Any) -> None:
        await store.insert(_record("tagged", tags=("nightly",)), NOW)
        await store.insert(_record("plain"), NOW)
        request = common_pb2.ResourceListRequest(limit=10)
        request.id.project, request.id.domain = "p", "development"
        found, _ = await store.list_page(request, "eq(execution_tag.key,nightly)")
        assert [e.id.name for e in found] == ["tagged"]
        found, _ = await store.list_page(request, "eq(admin_tag.name,team.example.com/owner)")
        assert {e.id.name for e in found} == {"tagged", "plain"}
        assert records.TERMINAL_PHASES


class _CommandNames(monitoring.CommandListener):
    """The commands a client sent, by name."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

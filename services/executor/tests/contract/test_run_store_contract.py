"""The RunStore contract, run against the in-memory fake and real FerretDB: a run is added once,
state and outbox are saved together without touching the abort cause, and the unfinished runs
are listed by partition until finished."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from typing import Any

import pytest
from flyteidl.core import identifier_pb2
from pymongo import AsyncMongoClient

from flightdeck_executor.domain.run_state import Attempts, NodeState, RunState
from flightdeck_executor.service.ports import (
    CommandDeadLetter,
    PendingEvent,
    StoredRun,
    StoreUnavailable,
)
from flightdeck_executor.store.memory import InMemoryRunStore
from flightdeck_executor.store.runs import MongoRunStore
from flightdeck_platform.poison import Position
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2


def _run(key: str = "p:d:run1", partition: int = 0, inputs_uri: str = "file:///i") -> StoredRun:
    created = executions_pb2.ExecutionCreated(
        message_id=f"m-{key}",
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project="p", domain="d", name=key.rpartition(":")[2]
        ),
        inputs_uri=inputs_uri,
        compiled_workflow_uri="file:///w",
    )
    return StoredRun(key=key, partition=partition, created=created, state=RunState())


def _progressed(run: StoredRun) -> None:
    run.state.phase = "RUNNING"
    run.state.nodes["n0"] = NodeState(
        kind="task",
        spec_id="n0",
        name="t",
        depth=0,
        phase="RUNNING",
        attempts=Attempts(attempt=1, task_phase="QUEUED", launched_at=12.5),
    )
    run.outbox = [
        PendingEvent("workflow", b"\x00\xff\x80binary"),
        PendingEvent("node", b"\x0a\x02n0", attempts=3),
    ]


COMMAND_LETTER = CommandDeadLetter(
    position=Position("flightdeck.executor-commands", 4, 17),
    message_key=b"p/d/run1",
    payload=b"\x12\x00\xffraw",
    run="p/d/run1",
    reason="KeyError: 'partition'",
    attempts=5,
)


class RunStoreContract:
    """What every RunStore must do; subclasses supply the backend."""

    async def test_a_new_run_is_added_and_loads_as_given(self, store: Any) -> None:
        assert await store.add(_run())

        loaded = await store.load("p:d:run1")

        assert loaded == _run()

    async def test_adding_a_taken_key_is_refused_and_keeps_the_first(self, store: Any) -> None:
        assert await store.add(_run())

        assert not await store.add(_run(inputs_uri="file:///other"))

        loaded = await store.load("p:d:run1")
        assert loaded is not None
        assert loaded.created.inputs_uri == "file:///i"

    async def test_an_unknown_run_loads_as_none(self, store: Any) -> None:
        assert await store.load("p:d:absent") is None

    async def test_save_round_trips_state_and_outbox_and_keeps_the_abort_cause(
        self, store: Any
    ) -> None:
        run = _run()
        await store.add(run)
        assert await store.request_abort(run.key, "stop")
        _progressed(run)

        await store.save(run)

        loaded = await store.load(run.key)
        assert loaded is not None
        assert loaded.state == run.state
        assert loaded.state.nodes["n0"].attempts.launched_at == 12.5
        assert loaded.outbox == run.outbox
        assert [type(e.payload) for e in loaded.outbox] == [bytes, bytes]
        assert loaded.abort_cause == "stop", "save never writes the abort cause"

    async def test_changes_after_save_are_not_stored_until_saved_again(self, store: Any) -> None:
        run = _run()
        await store.add(run)
        _progressed(run)
        await store.save(run)

        run.outbox.pop(0)
        run.state.phase = "SUCCEEDED"

        loaded = await store.load(run.key)
        assert loaded is not None
        assert [e.kind for e in loaded.outbox] == ["workflow", "node"]
        assert loaded.state.phase == "RUNNING"

    async def test_abort_without_a_cause_is_recorded_as_aborted(self, store: Any) -> None:
        await store.add(_run())

        assert await store.request_abort("p:d:run1", "")

        loaded = await store.load("p:d:run1")
        assert loaded is not None
        assert loaded.abort_cause == "aborted"

    async def test_abort_of_an_unknown_run_is_false(self, store: Any) -> None:
        assert not await store.request_abort("p:d:absent", "stop")
        assert await store.load("p:d:absent") is None

    async def test_unfinished_lists_only_the_given_partitions(self, store: Any) -> None:
        for key, partition in (("p:d:a", 0), ("p:d:b", 1), ("p:d:c", 2), ("p:d:d", 1)):
            await store.add(_run(key, partition))

        assert sorted(await store.unfinished([1, 2])) == ["p:d:b", "p:d:c", "p:d:d"]
        assert await store.unfinished([0]) == ["p:d:a"]
        assert await store.unfinished([5]) == []
        assert await store.unfinished([]) == []

    async def test_a_finished_run_is_no_longer_unfinished_but_still_loads(self, store: Any) -> None:
        await store.add(_run("p:d:a", 3))
        await store.add(_run("p:d:b", 3))

        await store.finish("p:d:a")

        assert await store.unfinished([3]) == ["p:d:b"]
        assert await store.load("p:d:a") == _run("p:d:a", 3)

    async def test_finishing_an_unknown_run_is_harmless(self, store: Any) -> None:
        await store.add(_run())

        await store.finish("p:d:absent")

        assert await store.unfinished([0]) == ["p:d:run1"]

    async def test_a_run_set_aside_is_no_longer_unfinished_and_its_document_stays(
        self, store: Any
    ) -> None:
        await store.add(_run("p:d:a"))
        await store.add(_run("p:d:b"))

        await store.set_aside("p:d:a", "failed to load 3 times")

        assert await store.unfinished([0]) == ["p:d:b"]
        assert await store.load("p:d:a") == _run("p:d:a")

    async def test_a_dead_lettered_event_leaves_the_run_as_it_was(self, store: Any) -> None:
        run = _run()
        await store.add(run)
        _progressed(run)
        await store.save(run)

        await store.dead_letter(run.key, run.outbox[0], "refused 5 times")

        loaded = await store.load(run.key)
        assert loaded is not None
        assert loaded.outbox == run.outbox


class TestInMemoryRunStore(RunStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryRunStore:
        return InMemoryRunStore()

    async def test_dead_letters_are_kept_in_order(self, store: InMemoryRunStore) -> None:
        await store.dead_letter("p:d:a", PendingEvent("node", b"1"), "first")
        await store.dead_letter("p:d:b", PendingEvent("task", b"2"), "second")

        assert [(d.run, d.kind, d.payload, d.reason) for d in store.dead_letters] == [
            ("p:d:a", "node", b"1", "first"),
            ("p:d:b", "task", b"2", "second"),
        ]

    async def test_dead_lettered_commands_are_kept_as_given(self, store: InMemoryRunStore) -> None:
        await store.dead_letter_command(COMMAND_LETTER)

        assert store.command_dead_letters == [COMMAND_LETTER]
        assert store.dead_letters == []


@pytest.mark.integration
class TestMongoRunStore(RunStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoRunStore:
        return MongoRunStore(mongo_database)

    async def test_dead_letters_are_kept_with_their_reason(
        self, store: MongoRunStore, mongo_database: Any
    ) -> None:
        await store.dead_letter("p:d:a", PendingEvent("node", b"\x00\x01"), "refused")

        found = [d async for d in mongo_database["executor_dead_letters"].find({}, {"_id": 0})]

        assert [(d["run"], d["kind"], d["payload"], d["reason"]) for d in found] == [
            ("p:d:a", "node", b"\x00\x01", "refused")
        ]

    async def test_a_run_set_aside_is_kept_among_the_dead_letters(
        self, store: MongoRunStore, mongo_database: Any
    ) -> None:
        await store.add(_run("p:d:a"))
        await store.set_aside("p:d:a", "failed to load 3 times")

        found = [d async for d in mongo_database["executor_dead_letters"].find({}, {"_id": 0})]

        assert [(d["run"], d["kind"], d["reason"]) for d in found] == [
            ("p:d:a", "run", "failed to load 3 times")
        ]

    async def test_a_dead_lettered_command_is_kept_with_its_bytes_and_position(
        self, store: MongoRunStore, mongo_database: Any
    ) -> None:
        await store.dead_letter("p:d:a", PendingEvent("node", b"\x00"), "refused")
        await store.dead_letter_command(COMMAND_LETTER)

        [found] = [
            d
            async for d in mongo_database["executor_dead_letters"].find(
                {"kind": "command"}, {"_id": 0}
            )
        ]

        assert found.pop("at") is not None
        assert found == {
            "run": "p/d/run1",
            "kind": "command",
            "payload": b"\x12\x00\xffraw",
            "message_key": b"p/d/run1",
            "reason": "KeyError: 'partition'",
            "topic": "flightdeck.executor-commands",
            "partition": 4,
            "offset": 17,
            "attempts": 5,
        }


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_mongodb_out_of_reach_is_store_unavailable_for_every_call() -> None:
    """What tells a command to wait for the store instead of spending its retry budget."""
    client: AsyncMongoClient = AsyncMongoClient(
        f"mongodb://127.0.0.1:{_closed_port()}/", serverSelectionTimeoutMS=50
    )
    store = MongoRunStore(client["absent"])
    calls = [
        lambda: store.add(_run()),
        lambda: store.load("p:d:run1"),
        lambda: store.save(_run()),
        lambda: store.request_abort("p:d:run1", "stop"),
        lambda: store.unfinished([0]),
        lambda: store.finish("p:d:run1"),
        lambda: store.dead_letter("p:d:run1", PendingEvent("node", b""), "refused"),
        lambda: store.dead_letter_command(COMMAND_LETTER),
    ]
    try:
        for call in calls:
            with pytest.raises(StoreUnavailable, match="MongoDB is unavailable"):
                await call()
    finally:
        await client.close()
        await _forget_cancelled_connects()


async def _forget_cancelled_connects() -> None:
    """pymongo (4.20) leaves the socket of a monitor connect that close() cancels unclosed; its
    ResourceWarning would surface in whichever test the garbage collector next runs in."""
    await asyncio.sleep(0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()

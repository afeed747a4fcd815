"""MongoProjectionRecords against real FerretDB: the records a batch creates are inserted, the
ones it loaded are updated by key (no upserts: FerretDB on SQLite pays twice for them), and a
record another writer created or removed between the batch's load and its write fails the write
with ConcurrentChange and is left as that writer left it."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_events.projection.fold import FoldResult, PreparedEvent, fold, wanted
from flightdeck_events.service.projector import ConcurrentChange
from flightdeck_events.store.projection_records import MongoProjectionRecords
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import APPLIED, ROW_CREATED_AT, ROW_UPDATED_AT, EventPosition
from flightdeck_records.node_executions import node_key
from flightdeck_records.task_executions import task_key

pytestmark = pytest.mark.integration

NODE, TASK = core.NodeExecution, core.TaskExecution
EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="n")
NODE_ID = identifier_pb2.NodeExecutionIdentifier(execution_id=EXECUTION, node_id="n1")
TASK_ID = identifier_pb2.TaskExecutionIdentifier(
    task_id=identifier_pb2.Identifier(
        resource_type=identifier_pb2.TASK, project="p", domain="d", name="t", version="v"
    ),
    node_execution_id=NODE_ID,
    retry_attempt=0,
)
START = 1_700_000_000


def _node(phase: int, at: int) -> events_pb2.EventEnvelope:
    envelope = events_pb2.EventEnvelope(event_id=f"node-{phase}-{at}")
    envelope.node.CopyFrom(
        admin_event_pb2.NodeExecutionEventRequest(
            event=event_pb2.NodeExecutionEvent(
                id=NODE_ID, phase=phase, occurred_at=Timestamp(seconds=START + at)
            )
        )
    )
    return envelope


def _task(phase: int, at: int) -> events_pb2.EventEnvelope:
    envelope = events_pb2.EventEnvelope(event_id=f"task-{phase}-{at}")
    envelope.task.CopyFrom(
        admin_event_pb2.TaskExecutionEventRequest(
            event=event_pb2.TaskExecutionEvent(
                task_id=TASK_ID.task_id,
                parent_node_execution_id=NODE_ID,
                retry_attempt=TASK_ID.retry_attempt,
                phase=phase,
                occurred_at=Timestamp(seconds=START + at),
            )
        )
    )
    return envelope


async def _seed_execution(database: AsyncDatabase) -> None:
    """The execution as admin records it at creation."""
    execution = execution_pb2.Execution(id=EXECUTION)
    execution.closure.created_at.GetCurrentTime()
    await database[executions.COLLECTION].insert_one(
        {
            **executions.identity(EXECUTION),
            executions.PHASE: "UNDEFINED",
            "blob": execution.SerializeToString(),
        }
    )


async def _fold(
    records: MongoProjectionRecords, *batch: tuple[int, events_pb2.EventEnvelope]
) -> FoldResult:
    """Loads what the batch (``(offset, envelope)`` pairs on partition 0) needs and folds it."""
    prepared = [PreparedEvent(EventPosition(0, offset), envelope) for offset, envelope in batch]
    working = await records.load(wanted([p.envelope for p in prepared]))
    return fold(working, prepared)


async def _stored(database: AsyncDatabase, collection: str, key: str) -> dict[str, Any]:
    document = await database[collection].find_one({"_id": key})
    assert document is not None, f"{collection} {key} is not stored"
    return document


def _writes(command_log: Any, collection: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, command) for name, command in command_log.commands if command[name] == collection
    ]


def _no_upserts(writes: list[tuple[str, dict[str, Any]]]) -> bool:
    return all(
        not update.get("upsert")
        for name, command in writes
        if name == "update"
        for update in command["updates"]
    )


async def test_a_batch_inserts_the_records_it_creates_and_the_next_updates_them(
    mongo_database: AsyncDatabase, command_log: Any
) -> None:
    await _seed_execution(mongo_database)
    records = MongoProjectionRecords(mongo_database)

    created = await _fold(records, (0, _node(NODE.RUNNING, 1)), (1, _task(TASK.RUNNING, 2)))
    assert created.applied == 2
    assert [e.stored for e in (*created.nodes.values(), *created.tasks.values())] == [False, False]
    await records.write(created)

    node = await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID))
    task = await _stored(mongo_database, task_executions.COLLECTION, task_key(TASK_ID))
    assert (node[node_executions.PHASE], node[APPLIED]) == (
        "RUNNING",
        {"partition": 0, "offset": 0},
    )
    assert (task[task_executions.PHASE], task[APPLIED]) == (
        "RUNNING",
        {"partition": 0, "offset": 1},
    )
    for document in (node, task):
        assert document[ROW_CREATED_AT] == document[ROW_UPDATED_AT]
    for collection in (node_executions.COLLECTION, task_executions.COLLECTION):
        assert [name for name, _ in _writes(command_log, collection)] == ["insert"]
    command_log.commands.clear()

    updated = await _fold(records, (2, _task(TASK.SUCCEEDED, 3)), (3, _node(NODE.SUCCEEDED, 4)))
    assert updated.applied == 2
    assert [e.stored for e in (*updated.nodes.values(), *updated.tasks.values())] == [True, True]
    await records.write(updated)

    node_after = await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID))
    task_after = await _stored(mongo_database, task_executions.COLLECTION, task_key(TASK_ID))
    assert node_after[node_executions.PHASE] == "SUCCEEDED"
    assert node_after[APPLIED] == {"partition": 0, "offset": 3}
    assert task_after[task_executions.PHASE] == "SUCCEEDED"
    assert task_after[APPLIED] == {"partition": 0, "offset": 2}
    assert node_after[ROW_CREATED_AT] == node[ROW_CREATED_AT], "an update keeps created_at"
    assert task_after[ROW_CREATED_AT] == task[ROW_CREATED_AT]
    assert node_after[ROW_UPDATED_AT] >= node[ROW_UPDATED_AT]
    for collection in (node_executions.COLLECTION, task_executions.COLLECTION):
        writes = _writes(command_log, collection)
        assert [name for name, _ in writes] == ["update"]
        assert _no_upserts(writes)
        assert await mongo_database[collection].count_documents({}) == 1


async def test_a_record_created_meanwhile_fails_the_write_and_keeps_the_other_writers_record(
    mongo_database: AsyncDatabase,
) -> None:
    await _seed_execution(mongo_database)
    records = MongoProjectionRecords(mongo_database)
    ours = await _fold(records, (0, _node(NODE.QUEUED, 1)), (1, _node(NODE.RUNNING, 2)))
    # A zombie projector (its partition reassigned after a rebalance) writes the first event.
    zombie = MongoProjectionRecords(mongo_database)
    await zombie.write(await _fold(zombie, (0, _node(NODE.QUEUED, 1))))
    theirs = await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID))

    with pytest.raises(ConcurrentChange, match="node_executions"):
        await records.write(ours)

    assert await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID)) == theirs
    assert theirs[node_executions.PHASE] == "QUEUED"

    again = await _fold(records, (0, _node(NODE.QUEUED, 1)), (1, _node(NODE.RUNNING, 2)))
    assert (again.redelivered, again.applied) == (1, 1)
    await records.write(again)
    node = await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID))
    assert (node[node_executions.PHASE], node[APPLIED]) == (
        "RUNNING",
        {"partition": 0, "offset": 1},
    )
    assert node[ROW_CREATED_AT] == theirs[ROW_CREATED_AT]


async def test_a_loaded_record_removed_meanwhile_fails_the_write(
    mongo_database: AsyncDatabase,
) -> None:
    await _seed_execution(mongo_database)
    records = MongoProjectionRecords(mongo_database)
    await records.write(await _fold(records, (0, _node(NODE.RUNNING, 1))))
    result = await _fold(records, (1, _node(NODE.SUCCEEDED, 2)))
    await mongo_database[node_executions.COLLECTION].delete_one({"_id": node_key(NODE_ID)})

    with pytest.raises(ConcurrentChange, match="removed meanwhile"):
        await records.write(result)

    assert await mongo_database[node_executions.COLLECTION].count_documents({}) == 0


async def test_a_zombie_batch_cannot_overwrite_what_the_partitions_new_owner_wrote(
    mongo_database: AsyncDatabase,
) -> None:
    await _seed_execution(mongo_database)
    records = MongoProjectionRecords(mongo_database)
    await records.write(
        await _fold(records, (0, _node(NODE.QUEUED, 1)), (1, _task(TASK.QUEUED, 2)))
    )
    # The old owner folded the next events, then stalled past max.poll.interval; the group gave
    # the partition to a new owner, which projected those events and the ones after them.
    zombie = await _fold(records, (2, _node(NODE.RUNNING, 3)), (3, _task(TASK.RUNNING, 4)))
    owner = MongoProjectionRecords(mongo_database)
    await owner.write(
        await _fold(
            owner,
            (2, _node(NODE.RUNNING, 3)),
            (3, _task(TASK.RUNNING, 4)),
            (4, _task(TASK.SUCCEEDED, 5)),
            (5, _node(NODE.SUCCEEDED, 6)),
        )
    )

    with pytest.raises(ConcurrentChange, match="changed or removed meanwhile"):
        await records.write(zombie)

    node = await _stored(mongo_database, node_executions.COLLECTION, node_key(NODE_ID))
    task = await _stored(mongo_database, task_executions.COLLECTION, task_key(TASK_ID))
    assert (node[node_executions.PHASE], node[APPLIED]["offset"]) == ("SUCCEEDED", 5)
    assert (task[task_executions.PHASE], task[APPLIED]["offset"]) == ("SUCCEEDED", 4)


async def test_a_record_keeps_the_phase_changes_it_owes_for_a_redelivery(
    mongo_database: AsyncDatabase,
) -> None:
    await _seed_execution(mongo_database)
    records = MongoProjectionRecords(mongo_database)
    batch = ((0, _node(NODE.RUNNING, 1)), (1, _task(TASK.RUNNING, 2)))
    written = await _fold(records, *batch)
    await records.write(written)

    # The projector stopped before publishing: the batch comes again.
    redelivered = await _fold(records, *batch)

    assert (redelivered.applied, redelivered.redelivered) == (0, 2)
    assert redelivered.phase_changes == written.phase_changes
    assert [c.event_id for c in redelivered.phase_changes] == [
        f"node-{NODE.RUNNING}-1",
        f"task-{TASK.RUNNING}-2",
    ]

"""The executor's MongoDB collections: ``executor_runs`` (one document per run: the command,
the state and its unsent events, written together), ``executor_active`` (the small set of runs
still to drive, by partition, so resuming never scans finished runs) and
``executor_dead_letters`` (events the control plane kept refusing, by their event kind, and
commands that kept failing, kind ``command``). Every hot lookup is by ``_id``; resuming reads the
active marks through their partition index. A server out of
reach is raised as ``StoreUnavailable``, which callers retry without giving anything up."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pymongo import AsyncMongoClient, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import ConnectionFailure, DuplicateKeyError

from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service.ports import (
    CommandDeadLetter,
    PendingEvent,
    StoredRun,
    StoreUnavailable,
)
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2

RUNS, ACTIVE, DEAD_LETTERS = "executor_runs", "executor_active", "executor_dead_letters"
ACTIVE_BY_PARTITION = IndexModel([("partition", 1)], name="active_by_partition")
COMMAND = "command"
"""The dead letters' kind of a command (an event's is workflow, node or task)."""
RUN = "run"
"""The dead letters' kind of a run set aside because its document cannot be read."""

# ConnectionFailure covers server selection timeouts, network timeouts and AutoReconnect
# (a primary stepping down): all of them say "not now", none says "never".
_translated = faults.translated(
    (ConnectionFailure,), lambda error: StoreUnavailable(f"MongoDB is unavailable: {error}")
)


class MongoRunStore:
    def __init__(self, database: AsyncDatabase) -> None:
        self._runs = database[RUNS]
        self._active = database[ACTIVE]
        self._dead = database[DEAD_LETTERS]

    @_translated
    async def ensure_indexes(self) -> None:
        """Idempotent, so every replica runs it at start-up."""
        await self._active.create_indexes([ACTIVE_BY_PARTITION])

    @_translated
    async def add(self, run: StoredRun) -> bool:
        # Active first: a crash between the two leaves a mark that finds no run (dropped on
        # resume), never a run nobody resumes.
        await self._active.replace_one(
            {"_id": run.key}, {"_id": run.key, "partition": run.partition}, upsert=True
        )
        try:
            await self._runs.insert_one(
                {
                    "_id": run.key,
                    "partition": run.partition,
                    "created": run.created.SerializeToString(),
                    "state": run.state.to_json(),
                    "outbox": [],
                    "abort_cause": run.abort_cause,
                    "finished": False,
                }
            )
        except DuplicateKeyError:
            return False
        return True

    @_translated
    async def load(self, key: str) -> StoredRun | None:
        document = await self._runs.find_one({"_id": key})
        if document is None:
            return None
        return StoredRun(
            key=key,
            partition=document["partition"],
            created=executions_pb2.ExecutionCreated.FromString(document["created"]),
            state=RunState.from_json(document["state"]),
            outbox=[
                PendingEvent(e["kind"], e["payload"], e.get("attempts", 0))
                for e in document["outbox"]
            ],
            abort_cause=document.get("abort_cause", ""),
        )

    @_translated
    async def save(self, run: StoredRun) -> None:
        await self._runs.update_one(
            {"_id": run.key},
            {
                "$set": {
                    "state": run.state.to_json(),
                    "outbox": [
                        {"kind": e.kind, "payload": e.payload, "attempts": e.attempts}
                        for e in run.outbox
                    ],
                }
            },
        )

    @_translated
    async def request_abort(self, key: str, cause: str) -> bool:
        result = await self._runs.update_one(
            {"_id": key}, {"$set": {"abort_cause": cause or "aborted"}}
        )
        return result.matched_count > 0

    @_translated
    async def unfinished(self, partitions: Sequence[int]) -> list[str]:
        cursor = self._active.find({"partition": {"$in": list(partitions)}}, {"_id": 1})
        return [document["_id"] async for document in cursor]

    @_translated
    async def finish(self, key: str) -> None:
        await self._runs.update_one({"_id": key}, {"$set": {"finished": True}})
        await self._active.delete_one({"_id": key})

    @_translated
    async def dead_letter(self, key: str, event: PendingEvent, reason: str) -> None:
        await self._dead.insert_one(
            {
                "run": key,
                "kind": event.kind,
                "payload": event.payload,
                "reason": reason,
                "at": datetime.now(UTC),
            }
        )

    @_translated
    async def dead_letter_command(self, letter: CommandDeadLetter) -> None:
        await self._dead.insert_one(
            {
                "run": letter.run,
                "kind": COMMAND,
                "payload": letter.payload,
                "message_key": letter.message_key,
                "reason": letter.reason,
                "topic": letter.position.topic,
                "partition": letter.position.partition,
                "offset": letter.position.offset,
                "attempts": letter.attempts,
                "at": datetime.now(UTC),
            }
        )

    @_translated
    async def set_aside(self, key: str, reason: str) -> None:
        # The letter first: a crash between the two leaves the run active, to be set aside
        # again on the next resume, never a run that silently stops being driven.
        await self._dead.insert_one(
            {"run": key, "kind": RUN, "reason": reason, "at": datetime.now(UTC)}
        )
        await self._active.delete_one({"_id": key})


def connect(url: str, appname: str, timeout_ms: int) -> AsyncMongoClient:
    return AsyncMongoClient(
        url, appname=appname, tz_aware=True, serverSelectionTimeoutMS=timeout_ms, w="majority"
    )


async def ping(client: AsyncMongoClient) -> None:
    await client.admin.command("ping")

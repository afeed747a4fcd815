"""The ``RunStore`` fake: what ``MongoRunStore`` keeps, held in dictionaries. Runs are kept in
their stored form (serialized command, state JSON, outbox copies), so a caller's later changes
to the objects it passed in reach the store only through ``save``, as with MongoDB."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service.ports import CommandDeadLetter, PendingEvent, StoredRun
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2


@dataclass
class _Document:
    partition: int
    created: bytes
    state: str
    outbox: list[PendingEvent] = field(default_factory=list)
    abort_cause: str = ""
    finished: bool = False


@dataclass(frozen=True)
class DeadLetter:
    run: str
    kind: str
    payload: bytes
    reason: str
    at: datetime


class InMemoryRunStore:
    def __init__(self) -> None:
        self._runs: dict[str, _Document] = {}
        self._active: dict[str, int] = {}
        self.dead_letters: list[DeadLetter] = []
        self.command_dead_letters: list[CommandDeadLetter] = []

    async def add(self, run: StoredRun) -> bool:
        self._active[run.key] = run.partition
        if run.key in self._runs:
            return False
        self._runs[run.key] = _Document(
            partition=run.partition,
            created=run.created.SerializeToString(),
            state=run.state.to_json(),
            abort_cause=run.abort_cause,
        )
        return True

    async def load(self, key: str) -> StoredRun | None:
        document = self._runs.get(key)
        if document is None:
            return None
        return StoredRun(
            key=key,
            partition=document.partition,
            created=executions_pb2.ExecutionCreated.FromString(document.created),
            state=RunState.from_json(document.state),
            outbox=_copied(document.outbox),
            abort_cause=document.abort_cause,
        )

    async def save(self, run: StoredRun) -> None:
        document = self._runs.get(run.key)
        if document is None:
            return
        document.state = run.state.to_json()
        document.outbox = _copied(run.outbox)

    async def request_abort(self, key: str, cause: str) -> bool:
        document = self._runs.get(key)
        if document is None:
            return False
        document.abort_cause = cause or "aborted"
        return True

    async def unfinished(self, partitions: Sequence[int]) -> list[str]:
        wanted = set(partitions)
        return [key for key, partition in self._active.items() if partition in wanted]

    async def finish(self, key: str) -> None:
        document = self._runs.get(key)
        if document is not None:
            document.finished = True
        self._active.pop(key, None)

    async def dead_letter(self, key: str, event: PendingEvent, reason: str) -> None:
        self.dead_letters.append(
            DeadLetter(key, event.kind, event.payload, reason, datetime.now(UTC))
        )

    async def dead_letter_command(self, letter: CommandDeadLetter) -> None:
        self.command_dead_letters.append(letter)

    async def set_aside(self, key: str, reason: str) -> None:
        self.dead_letters.append(DeadLetter(key, "run", b"", reason, datetime.now(UTC)))
        self._active.pop(key, None)


def _copied(outbox: Sequence[PendingEvent]) -> list[PendingEvent]:
    return [PendingEvent(e.kind, e.payload, e.attempts) for e in outbox]

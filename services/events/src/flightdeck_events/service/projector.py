"""The projector's use case: one delivered batch of events becomes one bulk write.

Order of effects, chosen so a crash at any point loses nothing and applies nothing twice:
inline data is offloaded (deterministic paths), the batch is folded in memory, the dead letters
are published (a crash after this republishes them), then the records are written (each
remembers the last event folded into it and the phase changes it owes the feed), then the phase
changes are published (so the feed never carries a phase that did not land; a crash before this
announces them when their events are redelivered: consumers de-duplicate by event id), and only
then does the consumer commit the offsets.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from google.protobuf.message import DecodeError

from flightdeck_events.projection import fold
from flightdeck_events.projection.working_set import Wanted, WorkingSet
from flightdeck_events.service import metrics
from flightdeck_events.service.offloading import Offloader
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.documents import EventPosition


class ConcurrentChange(Exception):
    """A record changed between the batch's read and its write: an execution's phase moved, or
    a node or task execution was created or removed by another writer."""


@dataclass(frozen=True)
class Delivered:
    """One Kafka record as the consumer received it."""

    topic: str
    position: EventPosition
    key: bytes
    value: bytes


@dataclass(frozen=True)
class DeadLetter:
    key: bytes
    letter: events_pb2.DeadLetter
    category: str


class ProjectionRecords(Protocol):
    async def load(self, wanted: Wanted) -> WorkingSet: ...

    async def write(self, result: fold.FoldResult) -> None:
        """Writes every changed record; raises ConcurrentChange when a record changed under the
        fold (the batch is then redelivered and folded again)."""


class Announcements(Protocol):
    """Each method returns once the broker acknowledged every message, and raises
    ``faults.Unavailable`` when the broker cannot be reached."""

    async def set_aside(self, dead_letters: Sequence[DeadLetter]) -> None: ...

    async def announce(self, phase_changes: Sequence[events_pb2.ExecutionPhaseChanged]) -> None: ...


class Projector:
    def __init__(
        self, records: ProjectionRecords, announcements: Announcements, offloader: Offloader
    ) -> None:
        self._records = records
        self._announcements = announcements
        self._offloader = offloader

    async def project(self, batch: Sequence[Delivered]) -> fold.FoldResult:
        metrics.BATCH_SIZE.observe(len(batch))
        dead_letters: list[DeadLetter] = []
        prepared: list[fold.PreparedEvent] = []
        delivered_at: dict[EventPosition, Delivered] = {}
        accepted_at: list[datetime] = []
        for record in batch:
            delivered_at[record.position] = record
            try:
                envelope = events_pb2.EventEnvelope.FromString(record.value)
            except DecodeError as error:
                dead_letters.append(
                    dead_letter(record, f"not an EventEnvelope: {error}", "undecodable")
                )
                continue
            if not envelope.WhichOneof("event"):
                dead_letters.append(
                    dead_letter(record, "the envelope carries no event", "undecodable")
                )
                continue
            ready, dynamic = await self._offloader.prepare(envelope)
            prepared.append(fold.PreparedEvent(record.position, ready, dynamic))
            accepted_at.append(envelope.accepted_at.ToDatetime(tzinfo=UTC))
        working = await self._records.load(fold.wanted([p.envelope for p in prepared]))
        result = fold.fold(working, prepared)
        dead_letters += [
            dead_letter(delivered_at[rejection.position], rejection.reason, rejection.category)
            for rejection in result.rejections
        ]
        if dead_letters:
            await self._announcements.set_aside(dead_letters)
        await self._records.write(result)
        if result.phase_changes:
            await self._announcements.announce(result.phase_changes)
        _count(result, dead_letters, accepted_at)
        return result


def dead_letter(record: Delivered, reason: str, category: str) -> DeadLetter:
    letter = events_pb2.DeadLetter(
        payload=record.value,
        reason=reason,
        source_topic=record.topic,
        source_partition=record.position.partition,
        source_offset=record.position.offset,
    )
    letter.rejected_at.GetCurrentTime()
    return DeadLetter(record.key, letter, category)


def _count(
    result: fold.FoldResult, dead_letters: Sequence[DeadLetter], accepted_at: Sequence[datetime]
) -> None:
    metrics.EVENTS_PROJECTED.labels("applied").inc(result.applied)
    metrics.EVENTS_PROJECTED.labels("duplicate").inc(result.duplicates)
    metrics.EVENTS_PROJECTED.labels("redelivered").inc(result.redelivered)
    metrics.EVENTS_PROJECTED.labels("dead_lettered").inc(len(dead_letters))
    count_dead_letters(dead_letters)
    now = time.time()
    for moment in accepted_at:
        metrics.ACCEPTED_TO_PROJECTED_SECONDS.observe(max(0.0, now - moment.timestamp()))


def count_dead_letters(dead_letters: Sequence[DeadLetter]) -> None:
    for letter in dead_letters:
        metrics.DEAD_LETTERS.labels(letter.category).inc()

"""GuardedProjector: a batch failing for its own reasons is retried, then split, and only the
events that fail alone are dead-lettered; an unavailable dependency dead-letters nothing."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from flightdeck_events.projection.fold import FoldResult
from flightdeck_events.service.guarded import UNPROJECTABLE, GuardedProjector, RetryPolicy
from flightdeck_events.service.projector import ConcurrentChange, DeadLetter, Delivered
from flightdeck_platform import faults
from flightdeck_records.documents import EventPosition


def _record(offset: int, value: bytes) -> Delivered:
    return Delivered("events", EventPosition(0, offset), b"key", value)


class ScriptedProjector:
    """Projects a batch unless one of its values is poison (fails always) or the scripted
    failures for the next attempts say otherwise."""

    def __init__(self, failures: Sequence[BaseException] = ()) -> None:
        self.failures = list(failures)
        self.projected: list[bytes] = []
        self.attempts = 0

    async def project(self, batch: Sequence[Delivered]) -> FoldResult:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        if any(record.value == b"poison" for record in batch):
            raise ValueError("cannot fold this")
        self.projected += [record.value for record in batch]
        return FoldResult(applied=len(batch))


class SetAside:
    def __init__(self) -> None:
        self.letters: list[DeadLetter] = []

    async def set_aside(self, dead_letters: Sequence[DeadLetter]) -> None:
        self.letters += dead_letters

    async def announce(self, phase_changes: object) -> None:
        raise AssertionError("the guard announces nothing itself")


async def _no_pause(seconds: float) -> None:
    pauses.append(seconds)


pauses: list[float] = []


@pytest.fixture(autouse=True)
def _forget_pauses() -> None:
    pauses.clear()


def _guard(projector: ScriptedProjector, letters: SetAside) -> GuardedProjector:
    return GuardedProjector(projector, letters, RetryPolicy(max_attempts=3), _no_pause)  # type: ignore[arg-type]


async def test_a_poison_event_is_dead_lettered_after_the_attempts_and_the_rest_projected() -> None:
    projector, letters = ScriptedProjector(), SetAside()
    batch = [_record(0, b"a"), _record(1, b"poison"), _record(2, b"b")]

    result = await _guard(projector, letters).project(batch)

    assert projector.projected == [b"a", b"b"]
    assert result.applied == 2
    assert [(d.letter.source_offset, d.category) for d in letters.letters] == [(1, UNPROJECTABLE)]
    assert letters.letters[0].letter.reason == (
        "projection failed 3 times: ValueError: cannot fold this"
    )
    assert letters.letters[0].letter.payload == b"poison"
    # Three tries of the batch, then each event alone (three tries of the poison).
    assert projector.attempts == 3 + 1 + 3 + 1


async def test_a_failure_that_passes_is_retried_in_place_and_dead_letters_nothing() -> None:
    projector, letters = ScriptedProjector([RuntimeError("flaky")]), SetAside()

    result = await _guard(projector, letters).project([_record(0, b"a")])

    assert (result.applied, letters.letters, projector.attempts) == (1, [], 2)


async def test_an_unavailable_dependency_dead_letters_nothing_and_backs_off_longer_each_time() -> (
    None
):
    down = [faults.Unavailable("mongodb: no primary") for _ in range(3)]
    projector, letters = ScriptedProjector(down), SetAside()
    guard = _guard(projector, letters)

    for _ in range(3):
        with pytest.raises(faults.Unavailable):
            await guard.project([_record(0, b"a")])
    result = await guard.project([_record(0, b"a")])

    assert letters.letters == [] and result.applied == 1
    assert pauses == sorted(pauses) and pauses[0] < pauses[-1]
    assert projector.attempts == 4


async def test_a_concurrent_change_is_folded_again_not_dead_lettered() -> None:
    projector, letters = ScriptedProjector([ConcurrentChange("moved")]), SetAside()

    result = await _guard(projector, letters).project([_record(0, b"a")])

    assert (result.applied, letters.letters) == (1, [])

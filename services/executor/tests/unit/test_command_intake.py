"""The executor-commands use case under failing commands, in memory: a command that keeps
failing is set aside after the budget and the next one on its partition is handled; the run
store being unreachable is waited out, never dead-lettered; a dead letter that cannot be
recorded leaves the command to be delivered again."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flyteidl.core import identifier_pb2
from prometheus_client import REGISTRY

from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service.commands import CommandIntake, DeliveredCommand
from flightdeck_executor.service.ports import StoredRun, StoreUnavailable
from flightdeck_executor.service.runs import Runs
from flightdeck_executor.store.memory import InMemoryRunStore
from flightdeck_platform.poison import Position, RetryBudget
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2

TOPIC = "flightdeck.executor-commands"
MAX_ATTEMPTS = 3


class FaultyStore(InMemoryRunStore):
    """The in-memory store with faults on demand: per run for aborts, and for dead letters."""

    def __init__(self) -> None:
        super().__init__()
        self.abort_faults: dict[str, Exception] = {}
        self.dead_letter_fault: Exception | None = None

    async def request_abort(self, key: str, cause: str) -> bool:
        if key in self.abort_faults:
            raise self.abort_faults[key]
        return await super().request_abort(key, cause)

    async def dead_letter_command(self, letter: Any) -> None:
        if self.dead_letter_fault is not None:
            raise self.dead_letter_fault
        await super().dead_letter_command(letter)


@pytest.fixture
async def store() -> FaultyStore:
    store = FaultyStore()
    for name in ("bad", "good"):
        created = executions_pb2.ExecutionCreated(execution_id=_execution(name))
        await store.add(StoredRun(f"p/d/{name}", 0, created, state=RunState()))
    return store


@pytest.fixture
def intake(store: FaultyStore) -> CommandIntake:
    # Terminations touch the store only: the engine and the sink are never reached.
    runs = Runs(cast(Any, None), store, cast(Any, None), poll_interval=1.0)
    return CommandIntake(runs, store, RetryBudget(MAX_ATTEMPTS))


def _execution(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name=name)


def _termination(name: str, offset: int, partition: int = 0) -> DeliveredCommand:
    command = executions_pb2.ExecutorCommand(
        termination_requested=executions_pb2.ExecutionTerminationRequested(
            execution_id=_execution(name), cause=f"stop {name}"
        )
    )
    return DeliveredCommand(
        Position(TOPIC, partition, offset), f"p/d/{name}".encode(), command.SerializeToString()
    )


async def _abort_cause(store: FaultyStore, name: str) -> str:
    run = await store.load(f"p/d/{name}")
    assert run is not None
    return run.abort_cause


def _dead_lettered(kind: str) -> float:
    value = REGISTRY.get_sample_value(
        "flightdeck_executor_command_dead_letters_total", {"kind": kind}
    )
    return value or 0.0


async def test_a_failing_command_is_set_aside_after_the_budget_and_the_next_one_flows(
    intake: CommandIntake, store: FaultyStore
) -> None:
    store.abort_faults["p/d/bad"] = RuntimeError("a bug")
    poison, following = _termination("bad", 41), _termination("good", 42)
    counted_before = _dead_lettered("termination_requested")

    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError, match="a bug"):
            await intake.handle(poison)
        assert store.command_dead_letters == []
    await intake.handle(poison)
    await intake.handle(following)

    assert await _abort_cause(store, "good") == "stop good"
    [letter] = store.command_dead_letters
    assert letter.position == Position(TOPIC, 0, 41)
    assert (letter.message_key, letter.payload) == (b"p/d/bad", poison.value)
    assert (letter.run, letter.attempts) == ("p/d/bad", MAX_ATTEMPTS)
    assert letter.reason == "RuntimeError: a bug"
    assert _dead_lettered("termination_requested") == counted_before + 1


async def test_an_unreachable_store_is_retried_forever_and_never_dead_lettered(
    intake: CommandIntake, store: FaultyStore
) -> None:
    store.abort_faults["p/d/good"] = StoreUnavailable("MongoDB is unavailable")
    outage = _termination("good", 7)

    for _ in range(MAX_ATTEMPTS * 20):
        with pytest.raises(StoreUnavailable):
            await intake.handle(outage)
    del store.abort_faults["p/d/good"]
    await intake.handle(outage)

    assert store.command_dead_letters == []
    assert await _abort_cause(store, "good") == "stop good"


async def test_an_outage_does_not_spend_what_is_left_of_the_budget(
    intake: CommandIntake, store: FaultyStore
) -> None:
    poison = _termination("bad", 3)
    store.abort_faults["p/d/bad"] = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        await intake.handle(poison)
    store.abort_faults["p/d/bad"] = StoreUnavailable("down")
    for _ in range(MAX_ATTEMPTS * 5):
        with pytest.raises(StoreUnavailable):
            await intake.handle(poison)

    store.abort_faults["p/d/bad"] = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        await intake.handle(poison)
    await intake.handle(poison)

    [letter] = store.command_dead_letters
    assert letter.attempts == MAX_ATTEMPTS


async def test_a_dead_letter_that_cannot_be_recorded_leaves_the_command_unacknowledged(
    intake: CommandIntake, store: FaultyStore
) -> None:
    store.abort_faults["p/d/bad"] = RuntimeError("a bug")
    store.dead_letter_fault = StoreUnavailable("MongoDB is unavailable")
    poison = _termination("bad", 9)
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            await intake.handle(poison)

    with pytest.raises(StoreUnavailable):
        await intake.handle(poison)
    store.dead_letter_fault = None
    await intake.handle(poison)

    [letter] = store.command_dead_letters
    assert letter.attempts == MAX_ATTEMPTS + 1, "the redelivered attempt failed too"


async def test_a_command_handled_after_failures_leaves_no_count_behind(
    intake: CommandIntake, store: FaultyStore
) -> None:
    store.abort_faults["p/d/good"] = RuntimeError("flaky")
    for _ in range(MAX_ATTEMPTS - 1):
        with pytest.raises(RuntimeError):
            await intake.handle(_termination("good", 20))
    del store.abort_faults["p/d/good"]
    await intake.handle(_termination("good", 20))

    store.abort_faults["p/d/bad"] = RuntimeError("a bug")
    with pytest.raises(RuntimeError):
        await intake.handle(_termination("bad", 21))

    assert store.command_dead_letters == []


async def test_an_unreadable_command_is_skipped(intake: CommandIntake, store: FaultyStore) -> None:
    await intake.handle(DeliveredCommand(Position(TOPIC, 0, 1), b"", b"\xffnot protobuf"))

    assert store.command_dead_letters == []

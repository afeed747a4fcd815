"""Resuming a newly assigned partition, in memory: a run whose stored document cannot be read is
set aside after a bounded number of reads and the partition's other runs resume; a store
outage fails the whole resume (to be retried) without setting anything aside."""

from __future__ import annotations

from typing import Any, cast

import pytest
from flyteidl.core import identifier_pb2

from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service import runs as runs_module
from flightdeck_executor.service.ports import StoredRun, StoreUnavailable
from flightdeck_executor.service.runs import Runs
from flightdeck_executor.store.memory import InMemoryRunStore
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2


class CorruptingStore(InMemoryRunStore):
    """Loads of the runs in ``faults`` raise their exception the given number of times."""

    def __init__(self) -> None:
        super().__init__()
        self.faults: dict[str, tuple[Exception, int]] = {}
        self.loads: dict[str, int] = {}

    async def load(self, key: str) -> StoredRun | None:
        self.loads[key] = self.loads.get(key, 0) + 1
        fault = self.faults.get(key)
        if fault is not None and self.loads[key] <= fault[1]:
            raise fault[0]
        return await super().load(key)


@pytest.fixture(autouse=True)
def _no_pause(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runs_module, "LOAD_RETRY_PAUSE_SECONDS", 0)


@pytest.fixture
async def store() -> CorruptingStore:
    store = CorruptingStore()
    for name in ("bad", "good"):
        created = executions_pb2.ExecutionCreated(
            execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                project="p", domain="d", name=name
            )
        )
        await store.add(StoredRun(f"p/d/{name}", 0, created, state=RunState()))
    return store


def _resuming(store: CorruptingStore) -> tuple[Runs, list[str]]:
    """Runs whose drivers are only recorded: resuming is what is under test, not driving."""
    runs = Runs(cast(Any, None), store, cast(Any, None), poll_interval=1.0)
    started: list[str] = []
    runs._start = lambda run: started.append(run.key)  # type: ignore[method-assign]
    return runs, started


async def test_an_unreadable_run_is_set_aside_and_the_rest_of_its_partition_resumes(
    store: CorruptingStore,
) -> None:
    store.faults["p/d/bad"] = (ValueError("state is not JSON"), 1_000)
    runs, started = _resuming(store)

    await runs.assigned([0])

    assert started == ["p/d/good"]
    assert store.loads["p/d/bad"] == runs_module.LOAD_ATTEMPTS
    [letter] = store.dead_letters
    assert (letter.run, letter.kind) == ("p/d/bad", "run")
    assert "state is not JSON" in letter.reason
    assert await store.unfinished([0]) == ["p/d/good"]


async def test_a_run_that_loads_on_a_later_read_resumes(store: CorruptingStore) -> None:
    store.faults["p/d/bad"] = (ValueError("torn read"), runs_module.LOAD_ATTEMPTS - 1)
    runs, started = _resuming(store)

    await runs.assigned([0])

    assert sorted(started) == ["p/d/bad", "p/d/good"]
    assert store.dead_letters == []


async def test_a_store_outage_fails_the_resume_and_sets_nothing_aside(
    store: CorruptingStore,
) -> None:
    store.faults["p/d/bad"] = (StoreUnavailable("MongoDB is unavailable"), 1_000)
    runs, _ = _resuming(store)

    with pytest.raises(StoreUnavailable):
        await runs.assigned([0])

    assert store.loads["p/d/bad"] == 1
    assert store.dead_letters == []
    assert sorted(await store.unfinished([0])) == ["p/d/bad", "p/d/good"]

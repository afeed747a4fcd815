"""The runs this replica drives: one driver per run on the partitions it owns. A run is stored
when its command arrives (a redelivered command finds it there); on assignment the replica
resumes the unfinished runs of its new partitions; on revocation it stops driving, leaving
task processes running for the next owner to adopt."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable

from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service import metrics
from flightdeck_executor.service.driver import RunDriver
from flightdeck_executor.service.ports import EventSink, RunStore, StoredRun, StoreUnavailable
from flightdeck_executor.service.rounds import Engine
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_records import topics

LOAD_ATTEMPTS = 3
"""Reads of a run's document on resume before it is set aside as unreadable (a store outage
spends none: it fails the whole resume, which is retried)."""
LOAD_RETRY_PAUSE_SECONDS = 0.5

_log = logging.getLogger("flightdeck.executor.runs")


class UnreadableRun(Exception):
    """A run's stored document that keeps failing to load: not the store being away."""


class Runs:
    def __init__(
        self,
        engine: Engine,
        store: RunStore,
        sink: EventSink,
        poll_interval: float,
        cluster_pools: Iterable[str] = ("",),
    ) -> None:
        self._pools = frozenset(cluster_pools)
        self._engine = engine
        self._store = store
        self._sink = sink
        self._poll = poll_interval
        self._drivers: dict[str, tuple[RunDriver, asyncio.Task[None]]] = {}

    async def created(self, command: executions_pb2.ExecutionCreated, partition: int) -> bool:
        """False when the run belongs to another cluster pool's executor."""
        if command.spec.cluster_assignment.cluster_pool_name not in self._pools:
            return False
        key = topics.execution_key(command.execution_id).decode()
        run = StoredRun(key=key, partition=partition, created=command, state=RunState())
        if not await self._store.add(run):
            stored = await self._store.load(key)
            if stored is None or stored.state.finished:
                return True
            run = stored
        self._start(run)
        return True

    async def termination_requested(
        self, command: executions_pb2.ExecutionTerminationRequested
    ) -> None:
        key = topics.execution_key(command.execution_id).decode()
        if not await self._store.request_abort(key, command.cause):
            _log.warning("termination of unknown run %s ignored", key)
            return
        running = self._drivers.get(key)
        if running is not None:
            running[0].request_abort(command.cause)

    async def assigned(self, partitions: Iterable[int]) -> None:
        """Resumes the unfinished runs of newly assigned partitions. A run whose document cannot
        be read is set aside (dead letters, kind ``run``) so that it cannot hold up the other
        runs of its partition; a store outage raises, for the whole resume to be retried."""
        for key in await self._store.unfinished(sorted(partitions)):
            if key in self._drivers:
                continue
            try:
                run = await self._load(key)
            except UnreadableRun as error:
                _log.exception("run %s cannot be read; it is set aside", key)
                await self._store.set_aside(key, str(error))
                metrics.RUNS_SET_ASIDE.inc()
                continue
            if run is None or run.state.finished:
                await self._store.finish(key)
                continue
            _log.info("resuming run %s", key)
            self._start(run)

    async def _load(self, key: str) -> StoredRun | None:
        for attempt in range(1, LOAD_ATTEMPTS + 1):
            try:
                return await self._store.load(key)
            except StoreUnavailable:
                raise
            except Exception as error:
                if attempt == LOAD_ATTEMPTS:
                    raise UnreadableRun(
                        f"run {key} failed to load {attempt} times: {error!r}"
                    ) from error
                await asyncio.sleep(LOAD_RETRY_PAUSE_SECONDS)
        raise AssertionError("unreachable")

    async def revoked(self, partitions: Iterable[int]) -> None:
        lost = set(partitions)
        await self._stop([key for key, (d, _) in self._drivers.items() if d.run.partition in lost])

    async def close(self) -> None:
        await self._stop(list(self._drivers))

    def wake_all(self) -> None:
        for driver, _ in self._drivers.values():
            driver.wake()

    def _start(self, run: StoredRun) -> None:
        if run.key in self._drivers:
            return
        driver = RunDriver(self._engine, self._store, self._sink, run, self._poll)
        task = asyncio.create_task(self._drive(driver), name=f"run {run.key}")
        self._drivers[run.key] = (driver, task)
        metrics.RUNS_ACTIVE.set(len(self._drivers))

    async def _drive(self, driver: RunDriver) -> None:
        try:
            await driver.drive()
        except asyncio.CancelledError:
            raise
        except Exception:
            _log.exception(
                "driver of run %s stopped; it resumes on the next assignment", driver.run.key
            )
        finally:
            if self._drivers.get(driver.run.key, (None,))[0] is driver:
                del self._drivers[driver.run.key]
            metrics.RUNS_ACTIVE.set(len(self._drivers))

    async def _stop(self, keys: list[str]) -> None:
        tasks = [self._drivers[key][1] for key in keys if key in self._drivers]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

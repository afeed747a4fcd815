"""Drives one run: rounds until nothing changes, the new state and the events it caused saved
together before the events are sent, effects (launches, kills) only after that; then it waits
for a process to exit, a command, or the poll interval."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import compiler_pb2, execution_pb2
from google.protobuf.message import Message

from flightdeck_executor.domain import events
from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.service import metrics, scopes, workflow
from flightdeck_executor.service.ports import Delivery, EventSink, PendingEvent, RunStore, StoredRun
from flightdeck_executor.service.rounds import Engine, Round, task_key

MAX_REJECTIONS = 5
"""Sends of one event the control plane refused before it goes to the dead letters."""
MAX_ROUND_FAILURES = 20
"""Consecutive failed rounds before the run is failed as a system error."""
BACKOFF_CAP_SECONDS = 30.0
STARTING_POLL_SECONDS = 0.05
"""How soon a run looks again at a process it just launched (the supervisor starts in tens of
milliseconds; exits wake the run at once)."""

_log = logging.getLogger("flightdeck.executor.driver")

REQUESTS: dict[str, type[Message]] = {
    "workflow": admin_event_pb2.WorkflowExecutionEventRequest,
    "node": admin_event_pb2.NodeExecutionEventRequest,
    "task": admin_event_pb2.TaskExecutionEventRequest,
}


class RunDriver:
    def __init__(
        self,
        engine: Engine,
        store: RunStore,
        sink: EventSink,
        run: StoredRun,
        poll_interval: float,
    ) -> None:
        self._engine = engine
        self._store = store
        self._sink = sink
        self.run = run
        self._poll = poll_interval
        self._wake = asyncio.Event()
        self._failures = 0

    def wake(self) -> None:
        self._wake.set()

    def request_abort(self, cause: str) -> None:
        self.run.abort_cause = cause or "aborted"
        self.wake()

    async def drive(self) -> None:
        closure: compiler_pb2.CompiledWorkflowClosure | None = None
        while True:
            try:
                if closure is None:
                    closure = await self._closure()
                if not await self._flush():
                    await self._pause()
                    continue
                if self.run.state.finished:
                    break
                progressed, soon = await self._round(closure)
                self._failures = 0
            except asyncio.CancelledError:
                raise
            except Exception:
                await self._round_failed()
                continue
            if not progressed:
                await self._wait(STARTING_POLL_SECONDS if soon else self._poll)
        await self._store.finish(self.run.key)
        state = self.run.state
        metrics.RUNS_FINISHED.labels("STOPPED" if state.stopped_reason else state.phase).inc()

    async def _round(self, closure: compiler_pb2.CompiledWorkflowClosure) -> tuple[bool, bool]:
        """Whether the round changed anything, and whether a process start is due soon."""
        rnd = Round(
            engine=self._engine,
            created=self.run.created,
            closure=closure,
            tasks={task_key(t.template.id): t.template for t in closure.tasks},
            sub_workflows={task_key(w.template.id): w for w in closure.sub_workflows},
            state=self.run.state,
            now=datetime.now(UTC),
            abort_cause=self.run.abort_cause,
        )
        before = self.run.state.to_json()
        top = scopes.of_workflow(closure.primary, self._workflow_dir(), top_level=True)
        try:
            await workflow.advance(rnd, top)
        except BaseException:
            # Handlers change the state in place; a round that raises half-way (admin out of
            # reach for a child's status or a recovery look-up) must not keep transitions whose
            # events were never saved, so the next round decides them again.
            self.run.state = RunState.from_json(before)
            raise
        changed = bool(rnd.events) or self.run.state.to_json() != before
        if changed:
            self.run.outbox = [
                PendingEvent(kind, request.SerializeToString()) for kind, request in rnd.events
            ]
            await self._store.save(self.run)
        for effect in rnd.effects:
            try:
                await effect()
            except Exception:
                # The next round sees what the process runner recorded and acts on that.
                _log.exception("an effect of run %s failed", self.run.key)
        return changed, rnd.expect_soon

    def _workflow_dir(self) -> str:
        execution = self.run.created.execution_id
        name = f"{execution.project}-{execution.domain}-{execution.name}"
        return f"{self._engine.config.metadata_prefix}/{name}"

    async def _closure(self) -> compiler_pb2.CompiledWorkflowClosure:
        blobs = self._engine.blobs
        stored = admin_workflow_pb2.WorkflowClosure()
        stored.ParseFromString(
            await blobs.read(blobs.key_of(self.run.created.compiled_workflow_uri))
        )
        return stored.compiled_workflow

    async def _flush(self) -> bool:
        """Sends the saved events in order; False when one must be retried later."""
        while self.run.outbox:
            pending = self.run.outbox[0]
            request = REQUESTS[pending.kind].FromString(pending.payload)
            outcome, message = await self._sink.send(pending.kind, request)
            metrics.EVENTS_SENT.labels(pending.kind, outcome.value).inc()
            if outcome in (Delivery.ACCEPTED, Delivery.ALREADY_EXISTS):
                self.run.outbox.pop(0)
            elif outcome is Delivery.STOP:
                _log.warning("control plane stopped run %s: %s", self.run.key, message)
                self.run.state.stopped_reason = message or "stopped by the control plane"
                self.run.outbox.clear()
                await self._store.save(self.run)
            elif outcome is Delivery.REJECTED:
                if not await self._rejected(pending, message):
                    return False
            else:
                return False
        return True

    async def _rejected(self, pending: PendingEvent, message: str) -> bool:
        pending.attempts += 1
        if pending.attempts < MAX_REJECTIONS:
            _log.warning("event of run %s refused (%s); will retry", self.run.key, message)
            return False
        _log.error(
            "event of run %s refused %d times, dead-lettered: %s",
            self.run.key,
            pending.attempts,
            message,
        )
        await self._store.dead_letter(self.run.key, pending, message)
        metrics.DEAD_LETTERS.inc()
        self.run.outbox.pop(0)
        await self._store.save(self.run)
        return True

    async def _round_failed(self) -> None:
        self._failures += 1
        _log.exception("round of run %s failed (%d in a row)", self.run.key, self._failures)
        metrics.ROUND_FAILURES.inc()
        if self._failures >= MAX_ROUND_FAILURES:
            with contextlib.suppress(Exception):
                await self._give_up()
        await self._pause()

    async def _give_up(self) -> None:
        """A run whose rounds keep failing is failed as a system error, so it ends."""
        error = execution_pb2.ExecutionError(
            code="ExecutorRoundsFailed",
            message=f"the executor failed {self._failures} rounds in a row; see its logs",
            kind=execution_pb2.ExecutionError.SYSTEM,
        )
        request = events.workflow_event(
            self.run.created.execution_id,
            self._engine.config.producer_id,
            "FAILED",
            datetime.now(UTC),
            error=error,
        )
        self.run.state.phase = "FAILED"
        self.run.outbox.append(PendingEvent("workflow", request.SerializeToString()))
        await self._store.save(self.run)

    async def _pause(self) -> None:
        delay = min(BACKOFF_CAP_SECONDS, self._poll * (2 ** min(self._failures, 5)))
        await self._wait(delay)

    async def _wait(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)
        self._wake.clear()

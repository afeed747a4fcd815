"""One delivered executor command: handled, delivered again, or set aside.

A command that keeps failing would block every command behind it on its partition, so after
``max_attempts`` failures it is recorded in the run store's dead letters and acknowledged. The
run store being unreachable is not the command's fault and would set every command aside, so
``StoreUnavailable`` is retried until the store is back, without spending the budget; so is
``ClusterUnavailable`` in hand-off mode, when the Kubernetes API is down.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from google.protobuf.message import DecodeError

from flightdeck_executor.service import metrics
from flightdeck_executor.service.ports import (
    ClusterUnavailable,
    CommandDeadLetter,
    CommandTarget,
    RunStore,
    StoreUnavailable,
)
from flightdeck_platform.poison import Position, RetryBudget, Verdict
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_records import topics

_log = logging.getLogger("flightdeck.executor.commands")


@dataclass(frozen=True)
class DeliveredCommand:
    """One Kafka record of the executor-commands topic."""

    position: Position
    key: bytes
    value: bytes


class CommandIntake:
    def __init__(self, runs: CommandTarget, store: RunStore, budget: RetryBudget) -> None:
        self._runs = runs
        self._store = store
        self._budget = budget

    async def handle(self, delivered: DeliveredCommand) -> None:
        """Returns once the command is done with (handled, skipped or set aside); raises when it
        must be delivered again."""
        command = _parse(delivered.value)
        if command is None:
            return
        kind = command.WhichOneof("command") or "unknown"
        try:
            outcome = await self._apply(command, kind, delivered.position.partition)
        except Exception as error:
            if not await self._set_aside(delivered, command, kind, error):
                raise
            return
        self._budget.settled(delivered.position)
        metrics.COMMANDS.labels(kind, outcome).inc()

    async def _apply(
        self, command: executions_pb2.ExecutorCommand, kind: str, partition: int
    ) -> str:
        if kind == "created" and not await self._runs.created(command.created, partition):
            return "other_pool"
        if kind == "termination_requested":
            await self._runs.termination_requested(command.termination_requested)
        return "handled"

    async def _set_aside(
        self,
        delivered: DeliveredCommand,
        command: executions_pb2.ExecutorCommand,
        kind: str,
        error: Exception,
    ) -> bool:
        """Counts the failure; True once the command is recorded as a dead letter. Recording may
        raise: the command is then delivered again and set aside on its next failure."""
        position = delivered.position
        transient = isinstance(error, (StoreUnavailable, ClusterUnavailable))
        verdict = self._budget.failed(position, transient=transient)
        attempts = self._budget.attempts(position)
        where = {
            "command_kind": kind,
            "topic": position.topic,
            "partition": position.partition,
            "offset": position.offset,
            "attempts": attempts,
        }
        if verdict is Verdict.RETRY:
            metrics.COMMANDS.labels(kind, "retried").inc()
            if transient:
                _log.warning(
                    "executor command %s waits for an unavailable dependency: %s",
                    kind,
                    error,
                    extra=where,
                )
            else:
                _log.exception(
                    "executor command %s failed (attempt %d of %d); it will be redelivered",
                    kind,
                    attempts,
                    self._budget.max_attempts,
                    extra=where,
                )
            return False
        run = _run_key(command)
        await self._store.dead_letter_command(
            CommandDeadLetter(
                position=position,
                message_key=delivered.key,
                payload=delivered.value,
                run=run,
                reason=f"{type(error).__name__}: {error}",
                attempts=attempts,
            )
        )
        self._budget.settled(position)
        metrics.COMMANDS.labels(kind, "dead_lettered").inc()
        metrics.COMMAND_DEAD_LETTERS.labels(kind).inc()
        _log.error(
            "executor command %s for run %s failed %d times; set aside in the dead letters",
            kind,
            run or "(none)",
            attempts,
            exc_info=error,
            extra={**where, "run": run, "error": str(error)},
        )
        return True


def _parse(body: bytes) -> executions_pb2.ExecutorCommand | None:
    try:
        return executions_pb2.ExecutorCommand.FromString(body)
    except DecodeError:
        metrics.COMMANDS.labels("unreadable", "skipped").inc()
        _log.error(
            "skipped an executor command that is not an ExecutorCommand (%d bytes)", len(body)
        )
        return None


def _run_key(command: executions_pb2.ExecutorCommand) -> str:
    kind = command.WhichOneof("command")
    if kind is None:
        return ""
    return topics.execution_key(getattr(command, kind).execution_id).decode()

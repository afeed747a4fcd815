"""Which changes of the execution phase feed can notify: a workflow execution reaching a
terminal phase (the only phases a notification rule may name, admin.md §2.3). Node and task
changes and non-terminal workflow changes never notify."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flyteidl.core import identifier_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

Change = events_pb2.ExecutionPhaseChanged


@dataclass(frozen=True)
class Ended:
    execution: identifier_pb2.WorkflowExecutionIdentifier
    phase: str
    """The phase's enum name, e.g. ``FAILED``."""

    @property
    def key(self) -> str:
        e = self.execution
        return f"{e.project}/{e.domain}/{e.name}/{self.phase}"


def _complete(execution: identifier_pb2.WorkflowExecutionIdentifier) -> bool:
    return bool(execution.project and execution.domain and execution.name)


def executions_ended(changes: Iterable[events_pb2.ExecutionPhaseChanged]) -> list[Ended]:
    return [
        Ended(change.execution_id, change.phase)
        for change in changes
        if change.entity == Change.WORKFLOW
        and change.terminal
        and change.phase
        and _complete(change.execution_id)
    ]

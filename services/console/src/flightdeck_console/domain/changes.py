"""A phase change as the console's browsers see it, and which browsers want it.

The feed's protobuf is internal; browsers get a small JSON object in the REST API's vocabulary
(lowerCamelCase, phase names as strings) so the page can patch what it shows without decoding
protobuf, and refetch from the public REST API whatever the change does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

_ENTITIES = {
    events_pb2.ExecutionPhaseChanged.WORKFLOW: "workflow",
    events_pb2.ExecutionPhaseChanged.NODE: "node",
    events_pb2.ExecutionPhaseChanged.TASK: "task",
}


@dataclass(frozen=True)
class Scope:
    """What one browser follows: a project and domain, optionally one execution in it. An
    empty project follows everything (a page listing every project's runs)."""

    project: str = ""
    domain: str = ""
    name: str = ""

    def covers(self, change: PhaseChange) -> bool:
        return (
            (not self.project or self.project == change.project)
            and (not self.domain or self.domain == change.domain)
            and (not self.name or self.name == change.name)
        )


@dataclass(frozen=True)
class PhaseChange:
    project: str
    domain: str
    name: str
    entity: str
    node_id: str
    retry_attempt: int
    phase: str
    previous_phase: str
    occurred_at: str
    terminal: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "executionId": {"project": self.project, "domain": self.domain, "name": self.name},
            "entity": self.entity,
            "nodeId": self.node_id,
            "retryAttempt": self.retry_attempt,
            "phase": self.phase,
            "previousPhase": self.previous_phase,
            "occurredAt": self.occurred_at,
            "terminal": self.terminal,
        }


def from_feed(message: events_pb2.ExecutionPhaseChanged) -> PhaseChange:
    execution = message.execution_id
    occurred = message.occurred_at.ToJsonString() if message.HasField("occurred_at") else ""
    return PhaseChange(
        project=execution.project,
        domain=execution.domain,
        name=execution.name,
        entity=_ENTITIES.get(message.entity, "workflow"),
        node_id=message.node_id,
        retry_attempt=message.task_execution_id.retry_attempt,
        phase=message.phase,
        previous_phase=message.previous_phase,
        occurred_at=occurred,
        terminal=message.terminal,
    )

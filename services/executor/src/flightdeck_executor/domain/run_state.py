"""What the executor remembers of a run between rounds, persisted before any event it causes is
sent (propeller keeps the same in its custom resource's status): the workflow phase, and per
node its phase, attempts and the state of whatever it is waiting for.

Phases are the flyteidl enum names; ``NOT_STARTED`` marks a node no event was sent for yet."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

NOT_STARTED = "NOT_STARTED"
NODE_ACTIVE = frozenset({"QUEUED", "RUNNING", "DYNAMIC_RUNNING"})
NODE_DONE = frozenset({"SUCCEEDED", "RECOVERED"})
NODE_TERMINAL = frozenset({"SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "SKIPPED", "RECOVERED"})
TASK_ACTIVE = frozenset({"QUEUED", "RUNNING"})
WORKFLOW_TERMINAL = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})


@dataclass
class Attempts:
    """The attempts of one task (a task node, or one element of an array node)."""

    attempt: int = 0
    system_failures: int = 0
    task_phase: str = ""
    task_version: int = 0
    attempt_started_at: float = 0.0
    launched_at: float = 0.0
    agent_meta: str = ""
    """An agent task's resource meta (hex), once the agent created it."""
    agent_unavailable: int = 0
    """Calls in a row that found the agents out of reach."""


@dataclass
class Element:
    """One sub-node of an array node."""

    phase: str = NOT_STARTED
    attempts: Attempts = field(default_factory=Attempts)
    error: str = ""


@dataclass
class NodeState:
    kind: str
    spec_id: str
    name: str
    depth: int
    parent_uid: str = ""
    retry_group: str = ""
    in_dynamic: bool = False
    task_id: str = ""
    phase: str = NOT_STARTED
    attempts: Attempts = field(default_factory=Attempts)
    queued_at: float = 0.0
    started_at: float = 0.0
    data_dir: str = ""
    output_uri: str = ""
    error: str = ""
    then_node: str = ""
    dynamic: str = ""
    is_dynamic: bool = False
    elements: list[Element] = field(default_factory=list)
    array_phase: str = ""
    array_version: int = 0
    cache_status: str = ""
    """``CACHE_MISS`` / ``CACHE_SKIPPED`` / ``CACHE_HIT`` once the cache was consulted."""
    cache_waiting: bool = False
    """Queued behind another runner's reservation of a serialized task."""
    cache_reserved_at: float = 0.0
    """When this node's running attempt last took or extended its reservation (0: holds none)."""


@dataclass
class RunState:
    phase: str = "UNDEFINED"
    nodes: dict[str, NodeState] = field(default_factory=dict)
    error: str = ""
    abort_cause: str = ""
    failure_node_started: bool = False
    stopped_reason: str = ""

    @property
    def finished(self) -> bool:
        return self.phase in WORKFLOW_TERMINAL or bool(self.stopped_reason)

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> RunState:
        raw = json.loads(text)
        nodes = {uid: _node(value) for uid, value in raw.pop("nodes").items()}
        return cls(nodes=nodes, **raw)


def _node(raw: dict[str, Any]) -> NodeState:
    attempts = Attempts(**raw.pop("attempts"))
    elements = [
        Element(phase=e["phase"], attempts=Attempts(**e["attempts"]), error=e["error"])
        for e in raw.pop("elements")
    ]
    return NodeState(attempts=attempts, elements=elements, **raw)

"""One round over a run: the context every node handler works in. Handlers append the events
their transitions cause and the effects (process launches and kills) that may only happen once
the new state is durable; the driver persists, sends, then runs the effects."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from flyteidl.core import compiler_pb2, identifier_pb2, literals_pb2, tasks_pb2
from google.protobuf.message import Message

from flightdeck_executor.domain.events import NodeRef
from flightdeck_executor.domain.run_state import NodeState, RunState
from flightdeck_executor.service.agent_ports import Agents
from flightdeck_executor.service.cache_ports import TaskCache
from flightdeck_executor.service.ports import (
    ChildExecutions,
    RecoverySource,
    Signals,
    TaskProcesses,
)
from flightdeck_executor.service.slots import TaskSlots
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_storage import ObjectNotFound, ObjectStore

Effect = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class EngineConfig:
    producer_id: str
    work_dir: Path
    raw_output_prefix: str
    metadata_prefix: str
    python_bin_dir: Path
    base_environment: Mapping[str, str]
    storage_environment: Mapping[str, str]
    public_url: str
    max_output_bytes: int
    max_system_failures: int
    kill_grace_seconds: float
    cache_heartbeat_seconds: float = 10.0
    agent_unavailable_budget: int = 30
    """Agent calls in a row that may find the agents out of reach before the attempt fails."""


@dataclass(frozen=True)
class Engine:
    """The replica-wide collaborators every run shares."""

    config: EngineConfig
    blobs: ObjectStore
    processes: TaskProcesses
    signals: Signals
    slots: TaskSlots
    children: ChildExecutions
    recovery: RecoverySource
    cache: TaskCache | None = None
    """None: no task cache (propeller's noop catalog), every task CACHE_DISABLED."""
    agents: Agents | None = None
    """None: no agents service; every task runs as a process."""


def task_key(task_id: identifier_pb2.Identifier) -> tuple[str, str, str, str]:
    return (task_id.project, task_id.domain, task_id.name, task_id.version)


@dataclass
class Round:
    engine: Engine
    created: executions_pb2.ExecutionCreated
    closure: compiler_pb2.CompiledWorkflowClosure
    tasks: dict[tuple[str, str, str, str], tasks_pb2.TaskTemplate]
    sub_workflows: dict[tuple[str, str, str, str], compiler_pb2.CompiledWorkflow]
    state: RunState
    now: datetime
    abort_cause: str = ""
    events: list[tuple[str, Message]] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    literal_cache: dict[str, literals_pb2.LiteralMap] = field(default_factory=dict)
    expect_soon: bool = False
    """A process is starting: its start is worth seeing sooner than the poll interval."""

    @property
    def execution_id(self) -> identifier_pb2.WorkflowExecutionIdentifier:
        return self.created.execution_id

    @property
    def config(self) -> EngineConfig:
        return self.engine.config

    def emit(self, kind: str, request: Message) -> None:
        self.events.append((kind, request))

    def after_save(self, effect: Effect) -> None:
        self.effects.append(effect)

    def ref(self, uid: str, node: NodeState) -> NodeRef:
        task_id = None
        if node.task_id:
            task_id = identifier_pb2.Identifier()
            task_id.ParseFromString(bytes.fromhex(node.task_id))
        return NodeRef(
            execution_id=self.execution_id,
            uid=uid,
            spec_id=node.spec_id,
            name=node.name,
            parent_uid=node.parent_uid,
            retry_group=node.retry_group,
            in_dynamic=node.in_dynamic,
            task_id=task_id,
        )

    def url(self, key: str) -> str:
        return self.engine.blobs.native_url(key)

    async def read_literals(self, key: str) -> literals_pb2.LiteralMap:
        if key not in self.literal_cache:
            literals = literals_pb2.LiteralMap()
            literals.ParseFromString(await self.engine.blobs.read(key))
            self.literal_cache[key] = literals
        return self.literal_cache[key]

    async def read_optional(self, key: str) -> bytes | None:
        try:
            return await self.engine.blobs.read(key)
        except ObjectNotFound:
            return None

    async def write_literals(self, key: str, literals: literals_pb2.LiteralMap) -> None:
        await self.engine.blobs.write(key, literals.SerializeToString())
        self.literal_cache[key] = literals

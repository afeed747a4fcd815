"""Real runs for the engine's stream tests: hand-built workflows compiled with the project's
compiler, tasks that are plain ``python -c`` scripts writing ``outputs.pb`` / ``error.pb`` (no
flytekit), real local processes, an in-memory run store and a sink that records every event.

Exposed as fixtures (``flow``, ``harness``, ``RecordingSink``): test modules cannot import each
other under ``--import-mode=importlib``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import (
    errors_pb2,
    execution_pb2,
    identifier_pb2,
    interface_pb2,
    literals_pb2,
    tasks_pb2,
    types_pb2,
)
from flyteidl.core import workflow_pb2 as core_workflow_pb2
from google.protobuf.message import Message

from flightdeck_compiler import compile_workflow, index_tasks
from flightdeck_executor.domain.process_status import Starting
from flightdeck_executor.domain.run_state import RunState
from flightdeck_executor.processes.attempt_files import LOCK, STARTED, lock_if_free, read_json
from flightdeck_executor.processes.local import LocalProcesses
from flightdeck_executor.processes.status import STARTING_WINDOW, read_status
from flightdeck_executor.service.driver import RunDriver
from flightdeck_executor.service.ports import (
    ChildExecutions,
    ChildStatus,
    Delivery,
    RecoveredNode,
    RecoverySource,
    StoredRun,
)
from flightdeck_executor.service.rounds import Engine, EngineConfig
from flightdeck_executor.service.slots import TaskSlots
from flightdeck_executor.store.memory import InMemoryRunStore
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_records import topics
from flightdeck_storage import LocalObjectStore, SigningKey, UrlSigner, join_key

PROJECT, DOMAIN, RUN_NAME = "p", "d", "r1"
METADATA_PREFIX = "metadata/propeller"
POLL_SECONDS = 0.05
RUN_TIMEOUT_SECONDS = 60.0
CLEANUP_SECONDS = STARTING_WINDOW.total_seconds() + 2
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)

WRITE_OUTPUTS = """
import os, sys, time
prefix = sys.argv[1].removeprefix("file://")
os.makedirs(prefix, exist_ok=True)
marker, pause, outputs, error = {marker!r}, {pause!r}, {outputs!r}, {error!r}
if marker:
    with open(marker, "a") as log:
        log.write(os.environ["FLYTE_ATTEMPT_NUMBER"] + "\\n")
time.sleep(pause)
failing = error and os.environ["FLYTE_ATTEMPT_NUMBER"] == "0"
name, data = ("error.pb", error) if failing else ("outputs.pb", outputs)
with open(os.path.join(prefix, name), "wb") as out:
    out.write(data)
"""


def integers(**values: int) -> literals_pb2.LiteralMap:
    literals = literals_pb2.LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


def recoverable_user_error(message: str) -> errors_pb2.ErrorDocument:
    return errors_pb2.ErrorDocument(
        error=errors_pb2.ContainerError(
            code="USER:Recoverable",
            message=message,
            kind=errors_pb2.ContainerError.RECOVERABLE,
            origin=execution_pb2.ExecutionError.USER,
        )
    )


@dataclass(frozen=True)
class Task:
    """A task taking ``a: int`` and returning ``o: int``, run as ``python -c script prefix``."""

    name: str
    script: str
    retries: int = 0

    def template(self) -> tasks_pb2.TaskTemplate:
        variables = interface_pb2.VariableMap()
        variables.variables["a"].type.CopyFrom(INT)
        outputs = interface_pb2.VariableMap()
        outputs.variables["o"].type.CopyFrom(INT)
        template = tasks_pb2.TaskTemplate(
            id=_identifier(identifier_pb2.TASK, self.name),
            type="python-task",
            interface=interface_pb2.TypedInterface(inputs=variables, outputs=outputs),
            container=tasks_pb2.Container(
                image="python:3.11-slim",
                args=[sys.executable, "-c", self.script, "{{.outputPrefix}}"],
            ),
        )
        if self.retries:
            template.metadata.retries.retries = self.retries
        return template


class Flow:
    """The tasks the stream tests run."""

    @staticmethod
    def succeeding(
        name: str, o: int, marker: Path | None = None, pause: float = 0.0, retries: int = 0
    ) -> Task:
        script = WRITE_OUTPUTS.format(
            marker=str(marker or ""),
            pause=pause,
            outputs=integers(o=o).SerializeToString(),
            error=b"",
        )
        return Task(name, script, retries)

    @staticmethod
    def failing_first_attempt(name: str, o: int, message: str) -> Task:
        """Writes a recoverable USER error on attempt 0 and succeeds on attempt 1."""
        script = WRITE_OUTPUTS.format(
            marker="",
            pause=0.0,
            outputs=integers(o=o).SerializeToString(),
            error=recoverable_user_error(message).SerializeToString(),
        )
        return Task(name, script, retries=1)

    @staticmethod
    def exiting(name: str, code: int) -> Task:
        return Task(name, f"import sys; print('giving up'); sys.exit({code})")

    @staticmethod
    def sleeping(name: str, seconds: float) -> Task:
        return Task(name, f"import time; print('sleeping', flush=True); time.sleep({seconds})")

    @staticmethod
    def chain(*tasks: Task) -> admin_workflow_pb2.WorkflowClosure:
        """start → n0 → n1 → … → end: ``x`` feeds n0's ``a``, each ``o`` the next ``a``, and the
        last ``o`` is the workflow's ``y``; compiled with the project's compiler."""
        nodes = []
        for index, task in enumerate(tasks):
            source = _promise("x", "start-node") if index == 0 else _promise("o", f"n{index - 1}")
            node = core_workflow_pb2.Node(
                id=f"n{index}",
                inputs=[literals_pb2.Binding(var="a", binding=source)],
                upstream_node_ids=[f"n{index - 1}"] if index else [],
                task_node=core_workflow_pb2.TaskNode(
                    reference_id=_identifier(identifier_pb2.TASK, task.name)
                ),
            )
            node.metadata.name = task.name
            nodes.append(node)
        inputs, outputs = interface_pb2.VariableMap(), interface_pb2.VariableMap()
        inputs.variables["x"].type.CopyFrom(INT)
        outputs.variables["y"].type.CopyFrom(INT)
        template = core_workflow_pb2.WorkflowTemplate(
            id=_identifier(identifier_pb2.WORKFLOW, "chain"),
            interface=interface_pb2.TypedInterface(inputs=inputs, outputs=outputs),
            nodes=nodes,
            outputs=[literals_pb2.Binding(var="y", binding=_promise("o", f"n{len(tasks) - 1}"))],
        )
        spec = admin_workflow_pb2.WorkflowSpec(template=template)
        compiled = compile_workflow(spec, index_tasks(t.template() for t in tasks), {})
        return admin_workflow_pb2.WorkflowClosure(compiled_workflow=compiled)


def _identifier(kind: int, name: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=kind,  # type: ignore[arg-type]
        project=PROJECT,
        domain=DOMAIN,
        name=name,
        version="v1",
    )


def _promise(var: str, node_id: str) -> literals_pb2.BindingData:
    return literals_pb2.BindingData(promise=types_pb2.OutputReference(node_id=node_id, var=var))


# -- the recorded stream


Step = tuple[object, ...]


def step(kind: str, request: Message) -> Step:
    """A transition, as spec §5.2 names them: ("workflow", phase), ("node", id, phase) or
    ("task", node id, retry attempt, phase, phase version)."""
    event = request.event  # type: ignore[attr-defined]
    if kind == "workflow":
        return ("workflow", execution_pb2.WorkflowExecution.Phase.Name(event.phase))
    if kind == "node":
        return ("node", event.id.node_id, execution_pb2.NodeExecution.Phase.Name(event.phase))
    return (
        "task",
        event.parent_node_execution_id.node_id,
        event.retry_attempt,
        execution_pb2.TaskExecution.Phase.Name(event.phase),
        event.phase_version,
    )


@dataclass(frozen=True)
class Sent:
    kind: str
    request: Message
    outcome: Delivery

    @property
    def step(self) -> Step:
        return step(self.kind, self.request)

    @property
    def payload(self) -> bytes:
        return self.request.SerializeToString()


Answer = Callable[[int, str, Message], Delivery]


class RecordingSink:
    """An ``EventSink`` that records every send with its answer (ACCEPTED unless told)."""

    def __init__(self, answer: Answer | None = None, message: str = "") -> None:
        self._answer = answer or (lambda _n, _kind, _request: Delivery.ACCEPTED)
        self._message = message
        self.sent: list[Sent] = []
        self._changed = asyncio.Event()

    async def send(self, kind: str, request: Message) -> tuple[Delivery, str]:
        outcome = self._answer(len(self.sent), kind, request)
        copy = type(request)()
        copy.CopyFrom(request)
        self.sent.append(Sent(kind, copy, outcome))
        self._changed.set()
        return outcome, self._message if outcome is not Delivery.ACCEPTED else ""

    @property
    def accepted(self) -> list[Sent]:
        return [s for s in self.sent if s.outcome is Delivery.ACCEPTED]

    @property
    def steps(self) -> list[Step]:
        return [s.step for s in self.accepted]

    def find(self, wanted: Step) -> Sent:
        return next(s for s in self.accepted if s.step == wanted)

    async def wait_for(self, wanted: Step) -> Sent:
        deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
        while True:
            for sent in self.accepted:
                if sent.step == wanted:
                    return sent
            remaining = deadline - time.monotonic()
            assert remaining > 0, f"{wanted} not sent; sent {self.steps}"
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)


# -- collaborators the chain workflows never use


class NoSignals:
    async def get_or_create(
        self, execution_id: object, signal_id: str, literal_type: object
    ) -> literals_pb2.Literal | None:
        raise AssertionError(f"no gate waits for signal {signal_id} here")


class NoChildExecutions:
    async def create(self, *args: object) -> str:
        raise AssertionError("no launch-plan node here")

    async def status(self, child: object) -> ChildStatus:
        raise AssertionError("no launch-plan node here")

    async def terminate(self, child: object, cause: str) -> None:
        raise AssertionError("no launch-plan node here")


class NoRecoverySource:
    async def succeeded_node(self, source: object, node_id: str) -> RecoveredNode | None:
        raise AssertionError("no run here recovers another")


# -- the harness


@dataclass
class Harness:
    """One executor replica's worth of collaborators under ``root``; ``engine()`` builds a new
    process runner each time (a restarted executor), sharing the work dir and object store."""

    root: Path
    blobs: LocalObjectStore
    store: InMemoryRunStore = field(default_factory=InMemoryRunStore)
    children: ChildExecutions = field(default_factory=NoChildExecutions)
    recovery: RecoverySource = field(default_factory=NoRecoverySource)
    drivers: list[RunDriver] = field(default_factory=list)
    runners: list[LocalProcesses] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def work_dir(self) -> Path:
        return self.root / "work"

    @property
    def config(self) -> EngineConfig:
        return EngineConfig(
            producer_id="propeller",
            work_dir=self.work_dir,
            raw_output_prefix="",
            metadata_prefix=METADATA_PREFIX,
            python_bin_dir=Path(sys.executable).parent,
            base_environment={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            storage_environment={},
            public_url="http://edge",
            max_output_bytes=2 << 20,
            max_system_failures=3,
            kill_grace_seconds=0.5,
        )

    def engine(self) -> Engine:
        processes = LocalProcesses(sys.executable, wake=self._wake_all)
        self.runners.append(processes)
        return Engine(
            config=self.config,
            blobs=self.blobs,
            processes=processes,
            signals=NoSignals(),
            slots=TaskSlots(8),
            children=self.children,
            recovery=self.recovery,
        )

    def _wake_all(self) -> None:
        for driver in self.drivers:
            driver.wake()

    async def submit(
        self,
        closure: admin_workflow_pb2.WorkflowClosure,
        x: int = 1,
        recovery_source: identifier_pb2.WorkflowExecutionIdentifier | None = None,
    ) -> StoredRun:
        """Stores the compiled workflow and inputs as admin does, and the run as the command
        consumer does."""
        name = RUN_NAME
        await self.blobs.write(f"admin/{name}/workflow.pb", closure.SerializeToString())
        await self.blobs.write(f"admin/{name}/inputs.pb", integers(x=x).SerializeToString())
        execution_id = identifier_pb2.WorkflowExecutionIdentifier(
            project=PROJECT, domain=DOMAIN, name=name
        )
        created = executions_pb2.ExecutionCreated(
            message_id=f"m-{name}",
            execution_id=execution_id,
            workflow_id=closure.compiled_workflow.primary.template.id,
            inputs_uri=self.blobs.native_url(f"admin/{name}/inputs.pb"),
            compiled_workflow_uri=self.blobs.native_url(f"admin/{name}/workflow.pb"),
            namespace=f"{PROJECT}-{DOMAIN}",
        )
        if recovery_source is not None:
            created.recovery_source.CopyFrom(recovery_source)
        key = topics.execution_key(execution_id).decode()
        run = StoredRun(key=key, partition=0, created=created, state=RunState())
        assert await self.store.add(run)
        return run

    def driver(
        self, run: StoredRun, sink: RecordingSink, engine: Engine | None = None
    ) -> RunDriver:
        driver = RunDriver(engine or self.engine(), self.store, sink, run, POLL_SECONDS)
        self.drivers.append(driver)
        return driver

    def start(self, driver: RunDriver) -> asyncio.Task[None]:
        task = asyncio.create_task(driver.drive())
        self.tasks.append(task)
        return task

    async def drive(self, driver: RunDriver) -> None:
        await asyncio.wait_for(self.start(driver), RUN_TIMEOUT_SECONDS)

    def url(self, *parts: str) -> str:
        """The native URL of a run's data: ``url("n0", "data", "0", "outputs.pb")``."""
        return self.blobs.native_url(
            join_key(METADATA_PREFIX, f"{PROJECT}-{DOMAIN}-{RUN_NAME}", *parts)
        )

    async def literals(self, url: str) -> literals_pb2.LiteralMap:
        return literals_pb2.LiteralMap.FromString(await self.blobs.read(self.blobs.key_of(url)))

    async def integer(self, url: str, name: str) -> int:
        """The integer ``name`` of the LiteralMap stored at ``url``."""
        return int((await self.literals(url)).literals[name].scalar.primitive.integer)

    def attempt_dirs(self) -> list[Path]:
        return sorted(path.parent for path in self.work_dir.rglob("launch.json"))

    async def close(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        for attempt_dir in self.attempt_dirs():
            # A shim still starting says who to kill only once it runs.
            await until(lambda attempt_dir=attempt_dir: not _starting(attempt_dir))
        for attempt_dir in kill_every_attempt(self.work_dir):
            await until(lambda attempt_dir=attempt_dir: _lock_free(attempt_dir))
        for runner in self.runners:
            await runner.aclose()


def kill_every_attempt(root: Path) -> list[Path]:
    killed = []
    for started_file in root.rglob(STARTED):
        started = read_json(started_file)
        assert started is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(started["shim_pid"], signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(started["pid"], signal.SIGKILL)
        killed.append(started_file.parent)
    return killed


def _starting(attempt_dir: Path) -> bool:
    return isinstance(read_status(attempt_dir, datetime.now(UTC)), Starting)


def _lock_free(attempt_dir: Path) -> bool:
    with lock_if_free(attempt_dir / LOCK) as free:
        return free


async def until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + CLEANUP_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def task_node_steps(node_id: str, attempts: Sequence[str] = ("SUCCEEDED",)) -> list[Step]:
    """A task node's stream (§5.2) whose attempts end as given, the last deciding the node."""
    steps: list[Step] = [("node", node_id, "QUEUED")]
    for attempt, outcome in enumerate(attempts):
        steps.append(("task", node_id, attempt, "QUEUED", 0))
        if attempt == 0:
            steps.append(("node", node_id, "RUNNING"))
        steps += [("task", node_id, attempt, "RUNNING", 0), ("task", node_id, attempt, outcome, 0)]
    steps.append(("node", node_id, attempts[-1]))
    return steps


def chain_steps(*node_ids: str) -> list[Step]:
    """The whole §5.2 trace of a chain whose task nodes all succeed at once."""
    steps: list[Step] = [("workflow", "RUNNING"), ("node", "start-node", "SUCCEEDED")]
    for node_id in node_ids:
        steps += task_node_steps(node_id)
    return [
        *steps,
        ("node", "end-node", "QUEUED"),
        ("node", "end-node", "SUCCEEDED"),
        ("workflow", "SUCCEEDING"),
        ("workflow", "SUCCEEDED"),
    ]


class Traces:
    step = staticmethod(step)
    task_node = staticmethod(task_node_steps)
    chain = staticmethod(chain_steps)
    alive = staticmethod(alive)
    until = staticmethod(until)


@pytest.fixture
def flow() -> type[Flow]:
    return Flow


@pytest.fixture
def traces() -> type[Traces]:
    return Traces


@pytest.fixture
def sink_class() -> type[RecordingSink]:
    return RecordingSink


@pytest.fixture
async def harness(tmp_path: Path) -> AsyncIterator[Harness]:
    blobs = LocalObjectStore(tmp_path / "store", UrlSigner(SigningKey(b"k" * 32)))
    built = Harness(root=tmp_path, blobs=blobs)
    try:
        yield built
    finally:
        await built.close()

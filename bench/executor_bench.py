"""The executor next to bare task processes, on this machine, in one run.

Needs the local stack (``deploy/local/up``); starts every service process (the executor
included) the way the end-to-end tests do unless it already answers, and stops what it started.
Registers a small module once with ``pyflyte register`` (fast registration) in a new project,
launches its launch plans with FlyteRemote and measures:

* per-node scheduling overhead: the wall time of a chain of ``CHAIN_LENGTH`` no-op tasks (from
  the launch to SUCCEEDED, median of ``CHAIN_RUNS``) minus ``CHAIN_LENGTH`` x one bare task
  process, per node. The bare process is the registered no-op task's own command
  (``pyflyte-fast-execute`` then ``pyflyte-execute``, rendered from its template as the executor
  renders it) run directly here, ``BARE_PER_CHAIN`` of them before each chain so that load from
  elsewhere weighs on both alike, median; ``python -c "import flytekit"`` is reported for scale;
* runs completed per minute at each of ``LEVELS`` concurrent runs of a one-task workflow
  (closed loop: every worker launches a run and waits for it, ``RUNS_AT[level]`` runs or
  ``PHASE_CAP_SECONDS``), against bare task processes per minute at the same concurrency.

Prints a table and writes ``bench/results/executor.json`` and ``executor.md``.
Usage: ``uv run --frozen python bench/executor_bench.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import grpc
from flyteidl.admin import (
    common_pb2,
    execution_pb2,
    node_execution_pb2,
    project_pb2,
    task_execution_pb2,
)
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.remote import FlyteRemote
from measuring import capped_throughput, load_module

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "executor.json"
DOMAIN = "development"
PACKAGE = "executor_bench"
CHAIN_LENGTH = 10
CHAIN_RUNS = 3
STARTUP_SAMPLES = 5
BARE_PER_CHAIN = 2
LEVELS = (1, 8, 32)
RUNS_AT = {1: 3, 8: 16, 32: 32}
PHASE_CAP_SECONDS = 180.0
RUN_TIMEOUT_SECONDS = 900.0
POLL_SECONDS = 0.25
PASSED_ENVIRONMENT = ("HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")
"""What a task process inherits, as the executor's ``tasks.passed_environment`` default."""
FAILED_PHASES = {
    core.WorkflowExecution.FAILED,
    core.WorkflowExecution.ABORTED,
    core.WorkflowExecution.TIMED_OUT,
}
FLOWS = f"""
from flytekit import task, workflow


@task
def noop(x: int) -> int:
    return x


@workflow
def chain(x: int = 0) -> int:
    for _ in range({CHAIN_LENGTH}):
        x = noop(x=x)
    return x


@workflow
def single(x: int = 0) -> int:
    return noop(x=x)
"""
TEMPLATE_TOKEN = re.compile(r"\{\{\s*[.$](\w+)\s*\}\}", re.IGNORECASE)


@dataclass
class Phase:
    operation: str
    operations: int
    seconds: float
    value: float
    unit: str
    baseline: str = ""
    ratio: float | None = None


# The services ------------------------------------------------------------------------------


@dataclass
class Services:
    """The service processes this bench started (none when a `make run` already serves)."""

    launcher: ModuleType
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def start_missing(self) -> None:
        if not any(s.name == "executor" for s in self.launcher.SERVICES):
            raise SystemExit("deploy/local/services.py does not start the executor")
        missing = tuple(
            s
            for s in self.launcher.SERVICES
            if self.launcher.answers(self.launcher.http_url(s, "/readyz")) != 200
        )
        log_dir = REPO / "var" / "log"
        log_dir.mkdir(parents=True, exist_ok=True)
        for service in missing:
            log = open(log_dir / f"bench-{service.name}.log", "wb")  # noqa: SIM115
            self.logs.append(log)
            self.processes[service.name] = self.launcher.start(service, "json", log.fileno())
        self.launcher.wait_ready(missing, self.processes)

    def stop(self) -> None:
        self.launcher.stop(self.processes)
        for log in self.logs:
            log.close()


# Registration ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Registered:
    project: str
    version: str
    config: Path

    def identifier(self, kind: int, name: str) -> identifier_pb2.Identifier:
        return identifier_pb2.Identifier(
            resource_type=kind,
            project=self.project,
            domain=DOMAIN,
            name=f"{PACKAGE}.flows.{name}",
            version=self.version,
        )


def _register(edge: str, scratch: Path) -> Registered:
    """A new project holding the bench module, registered once with ``pyflyte register``."""
    project = f"bench-exec-{uuid.uuid4().hex[:8]}"
    with grpc.insecure_channel(edge) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project, name=project)
            )
        )
    source = scratch / "src" / PACKAGE
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "flows.py").write_text(FLOWS)
    config = scratch / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{edge}\n  insecure: true\n")
    version = f"b{uuid.uuid4().hex[:10]}"
    command = [
        sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
        "--config", str(config),
        "register", "--project", project, "--domain", DOMAIN, "--version", version,
        # The code archive unpacks into the task's working directory, as with `pyflyte run
        # --remote`: register's default (/root, a pod's own) is one directory shared by every
        # local task process, where concurrent unpacking races.
        "--destination-dir", ".",
        PACKAGE,
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=source.parent, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"pyflyte register failed:\n{done.stdout}\n{done.stderr}")
    return Registered(project, version, config)


# Bare task processes (the baseline) --------------------------------------------------------


def _render(argument: str, values: dict[str, str]) -> str:
    return TEMPLATE_TOKEN.sub(lambda token: values[token.group(1).lower()], argument)


@dataclass
class BareTask:
    """The registered no-op task's command, run directly as one attempt would run it."""

    command: list[str]
    env: dict[str, str]
    root: Path

    @classmethod
    def of(cls, edge: str, registered: Registered, root: Path) -> BareTask:
        with grpc.insecure_channel(edge) as channel:
            task = admin_pb2_grpc.AdminServiceStub(channel).GetTask(
                common_pb2.ObjectGetRequest(id=registered.identifier(identifier_pb2.TASK, "noop"))
            )
        container = task.closure.compiled_task.template.container
        env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
        env.update({pair.key: pair.value for pair in container.env})
        return cls([*container.command, *container.args], env, root)

    def _prepare(self) -> tuple[Path, list[str]]:
        attempt = self.root / uuid.uuid4().hex
        data, raw = attempt / "data", attempt / "raw"
        for directory in (data, raw, attempt / "work"):
            directory.mkdir(parents=True)
        inputs = literals_pb2.LiteralMap()
        inputs.literals["x"].scalar.primitive.integer = 1
        (data / "inputs.pb").write_bytes(inputs.SerializeToString())
        values = {
            "input": str(data / "inputs.pb"),
            "inputprefix": str(data),
            "outputprefix": str(data / "0"),
            "rawoutputdataprefix": str(raw),
            "checkpointoutputprefix": str(raw / "_flytecheckpoints"),
            "prevcheckpointprefix": '""',
        }
        return attempt, [_render(argument, values) for argument in self.command]

    async def run(self, _: int = 0) -> float:
        attempt, command = self._prepare()
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(
            *command,
            cwd=attempt / "work",
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        said, _ = await process.communicate()
        elapsed = time.perf_counter() - started
        if process.returncode != 0 or not (attempt / "data" / "0" / "outputs.pb").exists():
            tail = said.decode(errors="replace")[-2000:]
            raise RuntimeError(f"the bare task process failed ({process.returncode}):\n{tail}")
        return elapsed


async def _import_flytekit_seconds() -> list[float]:
    samples = []
    for _ in range(STARTUP_SAMPLES):
        started = time.perf_counter()
        process = await asyncio.create_subprocess_exec(sys.executable, "-c", "import flytekit")
        if await process.wait() != 0:
            raise RuntimeError("python -c 'import flytekit' failed")
        samples.append(time.perf_counter() - started)
    return samples


# Runs through the executor -----------------------------------------------------------------


@dataclass
class Runs:
    """Launches with FlyteRemote (one per thread, from a pool as large as the highest level)
    and waits for SUCCEEDED with GetExecution through the edge."""

    edge: str
    registered: Registered
    admin: admin_pb2_grpc.AdminServiceStub
    pool: ThreadPoolExecutor
    local: threading.local = field(default_factory=threading.local)

    def _remote(self) -> FlyteRemote:
        if not hasattr(self.local, "remote"):
            self.local.remote = FlyteRemote(
                Config.for_endpoint(self.edge, insecure=True),
                default_project=self.registered.project,
                default_domain=DOMAIN,
            )
        return self.local.remote  # type: ignore[no-any-return]

    def _launch_plan(self, workflow: str) -> Any:
        plans = self.local.__dict__.setdefault("plans", {})
        if workflow not in plans:
            plans[workflow] = self._remote().fetch_launch_plan(
                self.registered.project,
                DOMAIN,
                f"{PACKAGE}.flows.{workflow}",
                self.registered.version,
            )
        return plans[workflow]

    def _launch(self, workflow: str, x: int) -> str:
        remote, launch_plan = self._remote(), self._launch_plan(workflow)
        name = f"b{uuid.uuid4().hex[:12]}"
        remote.execute(launch_plan, inputs={"x": x}, execution_name=name)
        return name

    async def run(self, workflow: str, x: int = 0) -> float:
        """Seconds from the launch to SUCCEEDED."""
        return (await self.timed(workflow, x))[0]

    async def outside_tasks(self, name: str) -> float:
        """Seconds of the run's RUNNING..SUCCEEDED spent outside its task attempts, from the
        records the events made: the executor's own share (rounds, events, launches)."""
        execution_id = identifier_pb2.WorkflowExecutionIdentifier(
            project=self.registered.project, domain=DOMAIN, name=name
        )
        execution = await self.admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=execution_id)
        )
        nodes = await self.admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=execution_id, limit=100
            )
        )
        in_tasks = 0.0
        for node in nodes.node_executions:
            attempts = await self.admin.ListTaskExecutions(
                task_execution_pb2.TaskExecutionListRequest(node_execution_id=node.id, limit=100)
            )
            in_tasks += sum(
                a.closure.duration.ToTimedelta().total_seconds() for a in attempts.task_executions
            )
        return execution.closure.duration.ToTimedelta().total_seconds() - in_tasks

    async def timed(self, workflow: str, x: int = 0) -> tuple[float, str]:
        """Seconds from the launch to SUCCEEDED, and the run's name."""
        started = time.perf_counter()
        name = await asyncio.get_running_loop().run_in_executor(
            self.pool, self._launch, workflow, x
        )
        execution_id = identifier_pb2.WorkflowExecutionIdentifier(
            project=self.registered.project, domain=DOMAIN, name=name
        )
        deadline = started + RUN_TIMEOUT_SECONDS
        while True:
            execution = await self.admin.GetExecution(
                execution_pb2.WorkflowExecutionGetRequest(id=execution_id)
            )
            phase = execution.closure.phase
            if phase == core.WorkflowExecution.SUCCEEDED:
                return time.perf_counter() - started, name
            if phase in FAILED_PHASES:
                raise RuntimeError(
                    f"run {name} ended {core.WorkflowExecution.Phase.Name(phase)}: "
                    f"{execution.closure.error.message}"
                )
            if time.perf_counter() > deadline:
                raise TimeoutError(f"run {name} still {core.WorkflowExecution.Phase.Name(phase)}")
            await asyncio.sleep(POLL_SECONDS)


# Phases ------------------------------------------------------------------------------------


def _median(samples: list[float]) -> float:
    return round(statistics.median(samples), 3)


async def _node_overhead(runs: Runs, bare: BareTask) -> list[Phase]:
    imports = await _import_flytekit_seconds()
    processes: list[float] = []
    chains: list[float] = []
    outside: list[float] = []
    for _ in range(CHAIN_RUNS):
        processes += [await bare.run() for _ in range(BARE_PER_CHAIN)]
        seconds, name = await runs.timed("chain")
        chains.append(seconds)
        outside.append(await runs.outside_tasks(name) / CHAIN_LENGTH)
    process, chain = _median(processes), _median(chains)
    per_node = chain / CHAIN_LENGTH
    bare_name = "bare no-op task process"
    return [
        Phase('python -c "import flytekit"', STARTUP_SAMPLES, round(sum(imports), 3),
              _median(imports), "s (median)"),
        Phase(bare_name, len(processes), round(sum(processes), 3), process, "s (median)"),
        Phase(f"chain of {CHAIN_LENGTH} no-op tasks", CHAIN_RUNS, round(sum(chains), 3), chain,
              "s wall (median)", f"{CHAIN_LENGTH} x {bare_name}",
              round(chain / (CHAIN_LENGTH * process), 3)),
        Phase("per-node time outside task processes (from the run's records)", CHAIN_RUNS,
              round(sum(chains), 3), _median(outside), "s per node", bare_name,
              round(_median(outside) / process, 3)),
        Phase("per-node wall time minus a bare task process", CHAIN_RUNS, round(sum(chains), 3),
              round(per_node - process, 3), "s per node", bare_name,
              round(per_node / process, 3)),
    ]  # fmt: skip


async def _throughput(name: str, count: int, level: int, operation: Any) -> Phase:
    done, elapsed = await capped_throughput(count, operation, level, PHASE_CAP_SECONDS)
    return Phase(name, done, round(elapsed, 3), round(done * 60 / elapsed, 2), "per minute")


async def _levels(runs: Runs, bare: BareTask) -> list[Phase]:
    phases = []
    for level in LEVELS:
        count = RUNS_AT[level]
        raw = await _throughput(f"bare task processes, {level} at once", count, level, bare.run)
        through = await _throughput(
            f"runs of one task, {level} at once", count, level, lambda i: runs.run("single", i)
        )
        through.baseline, through.ratio = raw.operation, round(through.value / raw.value, 3)
        phases += [raw, through]
    return phases


def _markdown(phases: list[Phase]) -> str:
    lines = [
        f"Executor on {os.cpu_count()} cpus ({datetime.now(UTC):%Y-%m-%d}): services as "
        "processes on the local stack, tasks as local processes. Baseline: the registered "
        "no-op task's own command (pyflyte-fast-execute, then pyflyte-execute) run directly, "
        "measured in the same run at the same concurrency; a run's time counts from "
        "FlyteRemote.execute to SUCCEEDED seen by GetExecution.",
        "",
        "| measure | count | seconds | value | unit | vs baseline |",
        "|---|---:|---:|---:|---|---|",
    ]
    for p in phases:
        versus = f"{p.ratio} x {p.baseline}" if p.ratio is not None else ""
        lines.append(
            f"| {p.operation} | {p.operations} | {p.seconds} | {p.value} | {p.unit} | {versus} |"
        )
    return "\n".join(lines) + "\n"


async def _measure(edge: str, registered: Registered, scratch: Path) -> list[Phase]:
    bare = BareTask.of(edge, registered, scratch / "attempts")
    with ThreadPoolExecutor(max_workers=max(LEVELS)) as pool:
        async with grpc.aio.insecure_channel(edge) as channel:
            runs = Runs(edge, registered, admin_pb2_grpc.AdminServiceStub(channel), pool)
            await runs.run("single")  # warm-up: the code archive's first download, caches
            await bare.run()
            return [*await _node_overhead(runs, bare), *await _levels(runs, bare)]


def main() -> None:
    launcher = load_module("local_services", REPO / "deploy" / "local" / "services.py")
    edge = f"127.0.0.1:{launcher.ports()['FLIGHTDECK_EDGE_GRPC_PORT']}"
    services = Services(launcher)
    try:
        services.start_missing()
        with tempfile.TemporaryDirectory(prefix="executor-bench-") as scratch_dir:
            scratch = Path(scratch_dir)
            registered = _register(edge, scratch)
            phases = asyncio.run(_measure(edge, registered, scratch))
    finally:
        services.stop()
    table = _markdown(phases)
    print(table)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "chain_length": CHAIN_LENGTH,
        "levels": {str(level): RUNS_AT[level] for level in LEVELS},
        "phase_cap_seconds": PHASE_CAP_SECONDS,
        "phases": [asdict(p) for p in phases],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS.with_suffix(".md").write_text(table)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()

"""Fixtures of the executor's end-to-end tests: a project in which examples/workflows.py runs
through ``pyflyte run --remote`` as a user runs it, polling with deadlines, and the executor
replicas the fault tests start and SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any, TypeVar

import httpx
import pytest
import testkit
from flyteidl.admin import execution_pb2, node_execution_pb2, project_pb2, task_execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.remote import FlyteRemote
from prometheus_client.parser import text_string_to_metric_families

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = Path("examples") / "workflows.py"
DOMAIN = "development"
EXECUTOR_READY_SECONDS = 60.0
EXECUTOR_PORT_DEFAULT = "8580"
EVENTS_SENT = "flightdeck_executor_events_sent"
TERMINAL = testkit.TERMINAL
T = TypeVar("T")


wait_for = testkit.wait_for


@pytest.fixture(autouse=True)
def _client_sockets_collected() -> Iterator[None]:
    """flytekit's clients (FlyteRemote's requests sessions) leave pooled sockets for the garbage
    collector to close; its ResourceWarning would fail whichever later test it happens to run
    in, since warnings are errors. They are collected after each end-to-end test instead."""
    yield
    testkit.collect_client_sockets()


@pytest.fixture(scope="session", name="wait_for")
def wait_for_fixture() -> Callable[..., Any]:
    """``wait_for(probe, timeout, what)``: see the function of that name."""
    return wait_for


def _executor_port(ports: Mapping[str, str]) -> int:
    return int(ports.get("FLIGHTDECK_EXECUTOR_HTTP_PORT", EXECUTOR_PORT_DEFAULT))


def _options(inputs: Mapping[str, object]) -> list[str]:
    """Workflow inputs as pyflyte's options (``--marker_dir /tmp/x``)."""
    return [part for name, value in inputs.items() for part in (f"--{name}", str(value))]


@dataclass
class ExampleRuns:
    """A project of its own in which examples/workflows.py runs, with a FlyteRemote and the raw
    AdminService stub through the edge."""

    project: str
    config: Path
    remote: FlyteRemote
    admin: admin_pb2_grpc.AdminServiceStub

    def launch(
        self,
        workflow: str,
        inputs: Mapping[str, object],
        *,
        wait: bool = False,
        script: Path = EXAMPLES,
    ) -> str:
        """``pyflyte run --remote``; returns the execution's name (see testkit)."""
        return testkit.pyflyte_run_remote(
            self.config, self.project, DOMAIN, script, workflow, *_options(inputs), wait=wait
        )

    def execution_id(self, name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
        return identifier_pb2.WorkflowExecutionIdentifier(
            project=self.project, domain=DOMAIN, name=name
        )

    def get(self, name: str) -> execution_pb2.Execution:
        return self.admin.GetExecution(
            execution_pb2.WorkflowExecutionGetRequest(id=self.execution_id(name))
        )

    def wait_terminal(self, name: str, timeout: float) -> execution_pb2.Execution:
        def ended() -> execution_pb2.Execution | None:
            execution = self.get(name)
            return execution if execution.closure.phase in TERMINAL else None

        return wait_for(ended, timeout, f"execution {name} to end")

    def launch_plan_of(self, name: str) -> Any:
        """The FlyteLaunchPlan an execution ran, to start more of them with FlyteRemote."""
        lp = self.get(name).spec.launch_plan
        return self.remote.fetch_launch_plan(lp.project, lp.domain, lp.name, lp.version)

    def node_executions(
        self, name: str, parent: str = ""
    ) -> list[node_execution_pb2.NodeExecution]:
        """The top-level node executions, or the children of the node ``parent``."""
        return testkit.node_executions(self.admin, self.execution_id(name), parent)

    def task_executions(
        self, node: identifier_pb2.NodeExecutionIdentifier
    ) -> list[task_execution_pb2.TaskExecution]:
        return testkit.task_attempts(self.admin, node)

    def node(self, name: str, node_id: str) -> node_execution_pb2.NodeExecution | None:
        return next((n for n in self.node_executions(name) if n.id.node_id == node_id), None)

    def node_in(
        self, name: str, node_id: str, phase: int
    ) -> node_execution_pb2.NodeExecution | None:
        """The top-level node ``node_id`` if it is in ``phase``."""
        node = self.node(name, node_id)
        return node if node is not None and node.closure.phase == phase else None


def _executor_ready(ports: Mapping[str, str]) -> None:
    url = f"http://127.0.0.1:{_executor_port(ports)}/readyz"
    try:
        status = httpx.get(url, timeout=2).status_code
    except httpx.HTTPError as error:
        status = f"no answer ({error})"
    if status != 200:
        pytest.fail(f"the executor is not ready at {url}: {status}")


@pytest.fixture(scope="module")
def example_runs(
    running_system: dict[str, str],
    admin: admin_pb2_grpc.AdminServiceStub,
    tmp_path_factory: pytest.TempPathFactory,
) -> ExampleRuns:
    """A new project for this module's runs of examples/workflows.py, the executor ready."""
    _executor_ready(running_system)
    project = f"ex-{uuid.uuid4().hex[:10]}"
    admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project))
    )
    edge = f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"
    config = tmp_path_factory.mktemp("flyte") / "config.yaml"
    config.write_text(f"admin:\n  endpoint: dns:///{edge}\n  insecure: true\n")
    remote = FlyteRemote(
        Config.for_endpoint(edge, insecure=True), default_project=project, default_domain=DOMAIN
    )
    return ExampleRuns(project, config, remote, admin)


# Executor processes ------------------------------------------------------------------------


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on ``port`` (IPv4 or IPv6), from /proc/net."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                inodes.add(inode)
    return inodes


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def _holds_socket(pid: str, sockets: set[str]) -> bool:
    try:
        links = {os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
    except OSError:
        return False
    return bool(links & sockets)


def executor_pids_on(port: int) -> list[int]:
    """Executor processes listening on ``port``: the socket's inode, then the processes holding
    it (the session fixture that started the standard replica does not expose it)."""
    sockets = {f"socket:[{inode}]" for inode in _listening_inodes(port)}
    if not sockets:
        return []
    pids = [int(p) for p in os.listdir("/proc") if p.isdigit() and _holds_socket(p, sockets)]
    return [pid for pid in pids if "flightdeck_executor" in _cmdline(pid)]


def alive(pid: int) -> bool:
    """Running: present in /proc and not a zombie waiting for its parent to reap it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


@pytest.fixture(scope="session")
def pid_alive() -> Callable[[int], bool]:
    """``pid_alive(pid)``: see ``alive``."""
    return alive


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[1])
    except (OSError, IndexError, ValueError):
        return -1


_free_port = testkit.free_port


@dataclass
class Replica:
    port: int
    pid: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class ExecutorFleet:
    """The executor replicas of this host: the standard one (the ports.env port, which
    ``running_system`` started) and any this session started; every one can be SIGKILLed."""

    launcher: ModuleType
    service: Any
    standard_port: int
    log_dir: Path
    started: list[Replica] = field(default_factory=list)
    logs: list[IO[bytes]] = field(default_factory=list)

    def standard(self) -> Replica | None:
        pids = executor_pids_on(self.standard_port)
        if not pids:
            return None
        root = next(p for p in pids if _parent(p) not in pids)
        process = next((r.process for r in self.started if r.pid == root), None)
        return Replica(self.standard_port, root, process)

    def owned(self) -> bool:
        """Whether this test process started the standard replica (and so may kill it); one
        belonging to a `make run` elsewhere is left alone."""
        standard = self.standard()
        return standard is not None and _parent(standard.pid) == os.getpid()

    def replicas(self) -> list[Replica]:
        extras = [r for r in self.started if r.port != self.standard_port and alive(r.pid)]
        standard = self.standard()
        return ([standard] if standard else []) + extras

    def start(self, port: int | None = None) -> Replica:
        """A new replica on ``port`` (the standard one when None), ready."""
        port = port or self.standard_port
        log = open(self.log_dir / f"test-executor-{port}.log", "ab")  # noqa: SIM115
        self.logs.append(log)
        env = self.launcher.service_env(self.service, "json")
        env[f"{self.service.env_prefix}SERVER__HTTP_PORT"] = str(port)
        process = subprocess.Popen(
            [sys.executable, "-m", self.service.module],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        replica = Replica(port, process.pid, process)
        self.started.append(replica)
        self._wait_ready(replica)
        return replica

    def start_extra(self) -> Replica:
        return self.start(_free_port())

    def _wait_ready(self, replica: Replica) -> None:
        def ready() -> bool:
            assert replica.process is not None
            if replica.process.poll() is not None:
                raise AssertionError(
                    f"executor on port {replica.port} exited with {replica.process.returncode}"
                )
            return self.launcher.answers(f"{replica.url}/readyz") == 200

        wait_for(ready, EXECUTOR_READY_SECONDS, f"the executor on port {replica.port}", 0.2)

    def kill(self, replica: Replica) -> None:
        """SIGKILL to every executor process holding its port, then waits until they are gone
        and the port is free."""
        pids = {replica.pid, *executor_pids_on(replica.port)}
        for pid in pids:
            os.kill(pid, signal.SIGKILL)
        if replica.process is not None:
            replica.process.wait(timeout=30)
        wait_for(lambda: not any(alive(p) for p in pids), 30, f"executors {pids} to die", 0.1)
        wait_for(
            lambda: not _listening_inodes(replica.port), 30, f"port {replica.port} to close", 0.1
        )

    def kill_all(self) -> None:
        for replica in self.replicas():
            self.kill(replica)

    def events_sent(self, replica: Replica) -> dict[tuple[str, str], float]:
        """``flightdeck_executor_events_sent_total`` by (kind, outcome), from /metrics."""
        text = httpx.get(f"{replica.url}/metrics", timeout=5).text
        counts: dict[tuple[str, str], float] = {}
        for family in text_string_to_metric_families(text):
            if family.name != EVENTS_SENT:
                continue
            for sample in family.samples:
                if sample.name == f"{EVENTS_SENT}_total":
                    key = (sample.labels["kind"], sample.labels["outcome"])
                    counts[key] = counts.get(key, 0.0) + sample.value
        return counts

    def restore(self) -> None:
        """Stops the extra replicas; makes sure a ready one answers on the standard port."""
        for replica in self.started:
            if replica.port != self.standard_port and replica.process is not None:
                _terminate(replica.process)
        if self.launcher.answers(f"http://127.0.0.1:{self.standard_port}/readyz") != 200:
            if self.standard() is None:
                self.start()
            else:
                wait_for(
                    lambda: (
                        self.launcher.answers(f"http://127.0.0.1:{self.standard_port}/readyz")
                        == 200
                    ),
                    EXECUTOR_READY_SECONDS,
                    "the standard executor to be ready",
                )

    def close(self) -> None:
        for replica in self.started:
            if replica.process is not None:
                _terminate(replica.process)
        for log in self.logs:
            log.close()


def _terminate(process: subprocess.Popen[bytes]) -> None:
    testkit.stop(process, grace_seconds=20)


@pytest.fixture(scope="session")
def executor_fleet(
    running_system: dict[str, str], local_launcher: ModuleType
) -> Iterator[ExecutorFleet]:
    service = next((s for s in local_launcher.SERVICES if s.name == "executor"), None)
    if service is None:
        pytest.fail("deploy/local/services.py does not start the executor")
    log_dir = REPO / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    fleet = ExecutorFleet(local_launcher, service, _executor_port(running_system), log_dir)
    try:
        yield fleet
    finally:
        fleet.close()


@pytest.fixture
def executors(executor_fleet: ExecutorFleet) -> Iterator[ExecutorFleet]:
    """The replicas, for a test that kills them; afterwards the extra ones are stopped and a
    ready executor answers on the standard port again, for the tests that follow."""
    if not executor_fleet.owned():
        pytest.skip("the executor on the standard port was not started by this test session")
    try:
        yield executor_fleet
    finally:
        executor_fleet.restore()

"""What the cross-service tests (integration, e2e, propeller) share beyond fixtures: polling with
deadlines, scripts loaded as modules, ports, processes, and the AdminService listings a test
reads a run back with. On the path through pytest's ``pythonpath`` setting: ``import testkit``."""

from __future__ import annotations

import contextlib
import gc
import importlib.util
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, TypeVar

from flyteidl.admin import node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

if TYPE_CHECKING:
    from flightdeck_platform.auth.settings import AuthSettings
    from flightdeck_platform.host import ServiceHost

REPO = Path(__file__).resolve().parents[1]
TERMINAL = frozenset(
    {
        core.WorkflowExecution.SUCCEEDED,
        core.WorkflowExecution.FAILED,
        core.WorkflowExecution.ABORTED,
        core.WorkflowExecution.TIMED_OUT,
    }
)
T = TypeVar("T")


def wait_for(probe: Callable[[], T], timeout: float, what: str, interval: float = 0.5) -> T:
    """Calls ``probe`` until it answers something truthy and returns that, or fails the test
    once ``timeout`` seconds have passed."""
    deadline = time.monotonic() + timeout
    while True:
        answer = probe()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def load_script(name: str, path: Path) -> ModuleType:
    """A script of the repository (not a package) as the module ``name``, loaded once."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stop(process: subprocess.Popen[bytes], grace_seconds: float = 30) -> None:
    """SIGTERM, then SIGKILL once the grace has passed."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def collect_client_sockets() -> None:
    """flytekit's clients (FlyteRemote's requests sessions) leave pooled sockets for the garbage
    collector to close; its ResourceWarning would fail whichever later test it happens to run
    in, since warnings are errors. Tests that use them collect after themselves instead."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def node_executions(
    admin: admin_pb2_grpc.AdminServiceStub,
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    parent: str = "",
) -> list[node_execution_pb2.NodeExecution]:
    """Every top-level node execution of ``execution``, or the children of the node
    ``parent``, following the pages."""
    found: list[node_execution_pb2.NodeExecution] = []
    token = ""
    while True:
        page = admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=execution, limit=100, token=token, unique_parent_id=parent
            )
        )
        found += page.node_executions
        token = page.token
        if not token:
            return found


def task_attempts(
    admin: admin_pb2_grpc.AdminServiceStub, node: identifier_pb2.NodeExecutionIdentifier
) -> list[task_execution_pb2.TaskExecution]:
    """A node's task executions, first attempt first."""
    page = admin.ListTaskExecutions(
        task_execution_pb2.TaskExecutionListRequest(node_execution_id=node, limit=100)
    )
    return sorted(page.task_executions, key=lambda t: t.id.retry_attempt)


def start_edge(directory: Path, env: dict[str, str], grpc_port: int) -> subprocess.Popen[bytes]:
    """An nginx edge of its own in ``directory``, rendered by deploy/local/edge-config from the
    template and the ports (and TLS settings) in ``env``; returns once its gRPC port listens.
    Stop it with ``stop``."""
    rendered = subprocess.run(
        [str(REPO / "deploy" / "local" / "edge-config"), str(directory)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr
    nginx = shutil.which("nginx", path=f"{env.get('PATH', '')}:/usr/sbin:/sbin")
    assert nginx is not None, "nginx is not installed (deploy/local/up installs it)"
    log = str(directory / "error.log")
    conf = str(directory / "nginx.conf")
    process = subprocess.Popen([nginx, "-p", f"{directory}/", "-e", log, "-c", conf])

    def listening() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"nginx exited with {process.returncode}; see {log}")
        try:
            socket.create_connection(("127.0.0.1", grpc_port), timeout=0.5).close()
        except OSError:
            return False
        return True

    try:
        wait_for(listening, 15, f"the edge in {directory}", 0.1)
    except BaseException:
        stop(process, grace_seconds=5)
        raise
    return process


PYFLYTE_REGISTER_TIMEOUT_SECONDS = 300


def pyflyte_register(
    workdir: Path, config_yaml: str, project: str, package: str, module: str
) -> str:
    """Registers one module with the real `pyflyte register` under the given flytekit config
    (the package is named per test so fast-registration archives differ); returns its stdout."""
    source = workdir / "src" / package
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("")
    (source / "flows.py").write_text(module)
    config = workdir / "config.yaml"
    config.write_text(config_yaml)
    command = [
        sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
        "--config", str(config),
        "register", "--project", project, "--domain", "development", "--version", "v1",
        str(source),
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=workdir / "src",
        capture_output=True,
        text=True,
        timeout=PYFLYTE_REGISTER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"pyflyte register failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


PYFLYTE_RUN_TIMEOUT_SECONDS = 600


def pyflyte_run_remote(
    config: Path, project: str, domain: str, script: Path, workflow: str, *options: str, wait: bool
) -> str:
    """``pyflyte run --remote`` from the repository root (fast registration, then one
    execution); returns the execution's name. With ``wait``, pyflyte itself waits and exits
    non-zero unless the run SUCCEEDED."""
    name = f"x{uuid.uuid4().hex[:12]}"
    command = [
        sys.executable, "-m", "flytekit.clis.sdk_in_container.pyflyte",
        "--config", str(config),
        "run", "--remote", "--project", project, "--domain", domain, "--name", name,
        *(["--wait", "--poll-interval", "2"] if wait else []),
        str(script), workflow, *options,
    ]  # fmt: skip
    done = subprocess.run(
        command,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=PYFLYTE_RUN_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, (
        f"pyflyte run {workflow} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    )
    return name


@contextlib.asynccontextmanager
async def serve_admin_with_auth(
    auth: AuthSettings, workdir: Path, http_port: int = 0
) -> AsyncIterator[ServiceHost]:
    """Admin with authentication on, on real gRPC and HTTP ports, with no MongoDB or Kafka
    behind it (the auth tests never reach a store) and pending user grants held in memory."""
    from flightdeck_admin.messaging import kafka
    from flightdeck_admin.server import build_host, outbox_of
    from flightdeck_admin.settings import AdminSettings
    from flightdeck_admin.store import mongo
    from flightdeck_platform.auth.issuer.memory import InMemoryPendingGrants
    from flightdeck_platform.settings import KafkaSettings, MongoSettings, ServerSettings
    from flightdeck_storage import LocalObjectStore

    settings = AdminSettings(
        server=ServerSettings(grpc_port=0, http_port=http_port),
        mongo=MongoSettings(url="mongodb://127.0.0.1:9/", server_selection_timeout_ms=100),
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:9"),
        auth=auth,
    )
    client = mongo.connect(settings.mongo, "test")
    blobs = LocalObjectStore(workdir / "blobs")
    producer = kafka.producer(settings.kafka)
    served = build_host(
        settings,
        client,
        blobs,
        producer,
        outbox_of(client["x"], producer, blobs),
        auth_grants=InMemoryPendingGrants(),
    )
    await served.start()
    try:
        yield served
    finally:
        await served.stop()
        await producer.stop()
        await client.close()

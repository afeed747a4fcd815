"""What the cross-service tests (integration, e2e, propeller) share beyond fixtures: polling with
deadlines, scripts loaded as modules, ports, processes, and the AdminService listings a test
reads a run back with. On the path through pytest's ``pythonpath`` setting: ``import testkit``."""

from __future__ import annotations

import gc
import importlib.util
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import TypeVar

from flyteidl.admin import node_execution_pb2, task_execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

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

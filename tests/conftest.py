"""Cross-service fixtures: the running system behind the edge, started as a user starts it."""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest
import testkit
from flyteidl.admin import (
    cluster_assignment_pb2,
    matchable_resource_pb2,
    project_domain_attributes_pb2,
    project_pb2,
)
from flyteidl.admin.launch_plan_pb2 import LaunchPlanCreateRequest
from flyteidl.admin.task_pb2 import TaskCreateRequest
from flyteidl.admin.workflow_pb2 import WorkflowCreateRequest
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from google.protobuf import descriptor_pool, json_format
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

REPO = Path(__file__).resolve().parents[1]


def _load_module(name: str, relative_path: str) -> ModuleType:
    """A script of the repository (not a package) loaded as a module."""
    return testkit.load_script(name, REPO / relative_path)


launcher = _load_module("local_services", "deploy/local/services.py")


@pytest.fixture(scope="session")
def propeller() -> ModuleType:
    """bench/propeller_load.py: propeller-like event streams for executions."""
    return _load_module("propeller_load", "bench/propeller_load.py")


@pytest.fixture(scope="session")
def ports() -> dict[str, str]:
    return launcher.ports()


@pytest.fixture(scope="session")
def running_system(ports: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every service process, ready. Services already answering (a `make run` elsewhere) are
    reused; the ones started here are stopped at the end of the session."""
    missing = tuple(
        s for s in launcher.SERVICES if launcher.answers(launcher.http_url(s, "/readyz")) != 200
    )
    log_dir = REPO / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {}
    try:
        for service in missing:
            logs[service.name] = open(log_dir / f"test-{service.name}.log", "wb")  # noqa: SIM115
            processes[service.name] = launcher.start(service, "json", logs[service.name].fileno())
        launcher.wait_ready(missing, processes)
        yield ports
    finally:
        launcher.stop(processes)
        for log in logs.values():
            log.close()


@pytest.fixture(scope="session")
def admin(running_system: dict[str, str]) -> Iterator[admin_pb2_grpc.AdminServiceStub]:
    """A blocking AdminService stub through the edge (tests with an event loop of their own
    define an ``admin`` of their own)."""
    with grpc.insecure_channel(
        f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"
    ) as channel:
        yield admin_pb2_grpc.AdminServiceStub(channel)


@pytest.fixture
def edge_grpc_target(running_system: dict[str, str]) -> str:
    return f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"


@pytest.fixture
def edge_http_url(running_system: dict[str, str]) -> str:
    return f"http://127.0.0.1:{running_system['FLIGHTDECK_EDGE_HTTP_PORT']}"


SHARED_FIXTURES = REPO.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def fixture_expectations() -> dict:  # type: ignore[type-arg]
    return json.loads((SHARED_FIXTURES / "expectations.json").read_text())


@dataclass(frozen=True)
class FlyteFixture:
    kind: str
    message: Message
    entity_id: identifier_pb2.Identifier

    def register(self, admin: Any) -> None:
        """Registers this payload with an AdminService stub, as flytekit would send it."""
        if self.kind == "task":
            admin.CreateTask(TaskCreateRequest(id=self.entity_id, spec=self.message))
        elif self.kind == "workflow":
            admin.CreateWorkflow(WorkflowCreateRequest(id=self.entity_id, spec=self.message))
        else:
            spec = self.message.spec  # type: ignore[attr-defined]
            admin.CreateLaunchPlan(LaunchPlanCreateRequest(id=self.entity_id, spec=spec))

    @property
    def short_name(self) -> str:
        """The key of expectations.json: the name without its module prefix."""
        return self.entity_id.name.rpartition(".")[2]


def _retarget(message: Message, project: str, version: str) -> None:
    """Point every flytesnacks identifier inside ``message`` at ``project``/``version``, so
    each test session registers its own copy of the fixtures."""
    if isinstance(message, identifier_pb2.Identifier):
        if message.project == "flytesnacks":
            message.project, message.version = project, version
        return
    for field, value in message.ListFields():
        if field.type != field.TYPE_MESSAGE:
            continue
        if field.message_type.GetOptions().map_entry:
            values = list(value.values())
        elif field.is_repeated:
            values = list(value)
        else:
            values = [value]
        for item in values:
            if isinstance(item, Message):
                _retarget(item, project, version)


def load_flyte_fixtures(project: str, version: str, negative: bool = False) -> list[FlyteFixture]:
    """The flytekit payloads in registration order, retargeted: the positive ones, or with
    ``negative`` the hand-made invalid workflows."""
    manifest = json.loads((SHARED_FIXTURES / "out" / "manifest.json").read_text())
    loaded = []
    for entry in manifest:
        if entry["file"].startswith("neg_") != negative:
            continue
        message_type = GetMessageClass(
            descriptor_pool.Default().FindMessageTypeByName(entry["message"])
        )
        message = message_type.FromString((SHARED_FIXTURES / "out" / entry["file"]).read_bytes())
        entity_id = json_format.ParseDict(entry["id"], identifier_pb2.Identifier())
        _retarget(message, project, version)
        _retarget(entity_id, project, version)
        loaded.append(FlyteFixture(entry["kind"], message, entity_id))
    return loaded


@pytest.fixture(scope="session")
def flyte_fixtures() -> Callable[..., list[FlyteFixture]]:
    """``flyte_fixtures(project, version)``: the flytekit payloads retargeted at ``project``."""
    return load_flyte_fixtures


SIMPLE_LAUNCH_PLAN = "sample_workflows.wf_simple"
"""wf_simple: ``a: int`` required, ``b: int`` with a default; start → t_add → t_square →
t_to_str → end. flytekit names a workflow's default launch plan after the workflow."""


STAND_IN_POOL = "propeller-stand-in"
"""The cluster pool of the runnable projects: the executor leaves their executions alone, so
the tests' own propeller stand-in (bench/propeller_load.py) reports their events."""


def register_runnable_project(
    admin: Any, prefix: str, launch_plan: str = SIMPLE_LAUNCH_PLAN, version: str = "v1"
) -> str:
    """A new project ``<prefix>-<random>`` holding every fixture task plus ``launch_plan``'s
    workflow and launch plan, ready to execute; returns its id. Its executions are assigned to
    ``STAND_IN_POOL``, which no executor runs (the fixture tasks' code is not importable)."""
    project = f"{prefix}-{uuid.uuid4().hex[:10]}"
    admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project))
    )
    admin.UpdateProjectDomainAttributes(
        project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
            attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                project=project,
                domain="development",
                matching_attributes=matchable_resource_pb2.MatchingAttributes(
                    cluster_assignment=cluster_assignment_pb2.ClusterAssignment(
                        cluster_pool_name=STAND_IN_POOL
                    )
                ),
            )
        )
    )
    for fixture in load_flyte_fixtures(project, version):
        if fixture.kind == "task" or fixture.entity_id.name == launch_plan:
            fixture.register(admin)
    return project


@pytest.fixture(scope="session")
def register_runnable() -> Callable[..., str]:
    """``register_runnable(admin_stub, prefix)``, for tests that run an admin of their own."""
    return register_runnable_project


@pytest.fixture(scope="session")
def runnable_project(admin: admin_pb2_grpc.AdminServiceStub) -> Callable[[str], str]:
    """``runnable_project(prefix)``: see ``register_runnable_project``, through the edge."""
    return lambda prefix: register_runnable_project(admin, prefix)


@pytest.fixture(scope="session")
def local_launcher() -> ModuleType:
    """deploy/local/services.py as ``running_system`` uses it: its ports, services, ``start``."""
    return launcher

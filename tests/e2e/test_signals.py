"""Signals through the edge with real flytekit: the gates of a registered workflow get their
signals (as propeller creates them), FlyteRemote sets and lists them."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import grpc
import httpx
import pytest
import redis
from flyteidl.admin import common_pb2, project_pb2, signal_pb2, task_pb2, workflow_pb2
from flyteidl.core import identifier_pb2, types_pb2
from flyteidl.service import admin_pb2_grpc, signal_pb2_grpc
from flytekit.configuration import Config
from flytekit.exceptions.user import FlyteInvalidInputException
from flytekit.remote import FlyteRemote

from flightdeck_signals.settings import SignalStoreSettings
from flightdeck_signals.store.keys import SignalKeys

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

DOMAIN = "development"
GATES_WORKFLOW = "sample_workflows.wf_gates"
GATES_TASKS = ("sample_workflows.t_square", "sample_workflows.t_add")
BOOLEAN = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
INTEGER = types_pb2.LiteralType(simple=types_pb2.INTEGER)


@pytest.fixture(scope="module")
def channel(running_system: dict[str, str]) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}") as edge:
        yield edge


@pytest.fixture(scope="module")
def executions(running_system: dict[str, str]) -> Iterator[list[str]]:
    """The made-up executions' names; their signals are removed from Redis afterwards, since
    no terminal event will ever let retention sweep them."""
    names: list[str] = []
    yield names
    client = redis.Redis(port=int(running_system["FLIGHTDECK_REDIS_PORT"]))
    keys = SignalKeys(SignalStoreSettings().key_prefix)
    try:
        for project, name in (n.split("/") for n in names):
            execution = identifier_pb2.WorkflowExecutionIdentifier(
                project=project, domain=DOMAIN, name=name
            )
            client.delete(*keys.of(execution).all)
    finally:
        client.close()


@pytest.fixture(scope="module")
def gates(channel: grpc.Channel, flyte_fixtures: Callable[..., list]) -> tuple[str, dict]:  # type: ignore[type-arg]
    """Registers wf_gates and its tasks in a new project; returns the project and the signal
    type each gate node waits for, read from the stored closure."""
    admin = admin_pb2_grpc.AdminServiceStub(channel)
    project = f"sig-{uuid.uuid4().hex[:10]}"
    admin.RegisterProject(
        project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=project, name=project))
    )
    fixtures = {(f.kind, f.entity_id.name): f for f in flyte_fixtures(project, "v1")}
    for name in GATES_TASKS:
        task = fixtures["task", name]
        admin.CreateTask(task_pb2.TaskCreateRequest(id=task.entity_id, spec=task.message))
    workflow = fixtures["workflow", GATES_WORKFLOW]
    admin.CreateWorkflow(
        workflow_pb2.WorkflowCreateRequest(id=workflow.entity_id, spec=workflow.message)
    )
    stored = admin.GetWorkflow(common_pb2.ObjectGetRequest(id=workflow.entity_id))
    types = {}
    for node in stored.closure.compiled_workflow.primary.template.nodes:
        if node.WhichOneof("target") != "gate_node":
            continue
        gate = node.gate_node
        if gate.WhichOneof("condition") == "signal":
            types[gate.signal.signal_id] = gate.signal.type
        elif gate.WhichOneof("condition") == "approve":
            types[gate.approve.signal_id] = BOOLEAN
    return project, types


def _create_signals(
    channel: grpc.Channel,
    project: str,
    types: dict,  # type: ignore[type-arg]
    executions: list[str],
) -> str:
    """What propeller does when it reaches each gate node, for a new made-up execution."""
    execution = f"e{uuid.uuid4().hex[:12]}"
    executions.append(f"{project}/{execution}")
    signals = signal_pb2_grpc.SignalServiceStub(channel)
    execution_id = identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain=DOMAIN, name=execution
    )
    for signal_id, kind in types.items():
        created = signals.GetOrCreateSignal(
            signal_pb2.SignalGetOrCreateRequest(
                id=identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=execution_id),
                type=kind,
            )
        )
        assert created.type == kind and not created.HasField("value")
    return execution


def test_flyteremote_sets_and_lists_the_signals_of_a_gated_workflow(
    channel: grpc.Channel,
    gates: tuple[str, dict],  # type: ignore[type-arg]
    executions: list[str],
    edge_grpc_target: str,
    edge_http_url: str,
) -> None:
    project, types = gates
    assert types == {"extra": INTEGER, "approve_square": BOOLEAN}
    execution = _create_signals(channel, project, types, executions)
    remote = FlyteRemote(
        Config.for_endpoint(edge_grpc_target, insecure=True),
        default_project=project,
        default_domain=DOMAIN,
    )
    remote.set_signal("extra", execution, 7, project=project, domain=DOMAIN)
    remote.set_signal("approve_square", execution, True, project=project, domain=DOMAIN)
    listed = remote.list_signals(execution, project, DOMAIN)
    values = {s.id.signal_id: s.value.scalar.primitive for s in listed}
    assert values["extra"].integer == 7
    assert values["approve_square"].boolean is True
    assert len(listed) == 2
    rest = httpx.get(
        f"{edge_http_url}/api/v1/signals/{project}/{DOMAIN}/{execution}", params={"limit": 10}
    )
    assert rest.status_code == 200
    assert {s["id"]["signalId"] for s in rest.json()["signals"]} == {"extra", "approve_square"}


def test_flyteremote_cannot_set_a_mistyped_value(
    channel: grpc.Channel,
    gates: tuple[str, dict],  # type: ignore[type-arg]
    executions: list[str],
    edge_grpc_target: str,
) -> None:
    project, types = gates
    execution = _create_signals(channel, project, types, executions)
    remote = FlyteRemote(Config.for_endpoint(edge_grpc_target, insecure=True))
    with pytest.raises(FlyteInvalidInputException) as raised:
        remote.set_signal("extra", execution, "seven", project=project, domain=DOMAIN)
    cause = raised.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    assert "Expected [simple:INTEGER], but got [simple:STRING]" in cause.details()
    listed = remote.list_signals(execution, project, DOMAIN)
    assert not any(s.HasField("value") for s in listed)

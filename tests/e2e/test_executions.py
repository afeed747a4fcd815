"""CreateExecution, GetExecution and GetExecutionData through the edge, with real flytekit: a
registered launch plan runs with its inputs merged and offloaded; inputs that do not fit are
refused with INVALID_ARGUMENT naming the input."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import grpc
import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.configuration import Config
from flytekit.exceptions.user import FlyteInvalidInputException
from flytekit.remote import FlyteRemote

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

LAUNCH_PLAN = "sample_workflows.wf_simple"  # a: int (required), b: int = default


@pytest.fixture(scope="module")
def project(runnable_project: Callable[[str], str]) -> str:
    return runnable_project("exe")


@pytest.fixture
def remote(edge_grpc_target: str, project: str) -> FlyteRemote:
    return FlyteRemote(
        Config.for_endpoint(edge_grpc_target, insecure=True),
        default_project=project,
        default_domain="development",
    )


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _launch_plan_id(project: str) -> identifier_pb2.Identifier:
    return identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN,
        project=project,
        domain="development",
        name=LAUNCH_PLAN,
        version="v1",
    )


def test_flyteremote_executes_a_launch_plan_and_fetches_the_execution(
    remote: FlyteRemote, project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    launch_plan = remote.fetch_launch_plan(project, "development", LAUNCH_PLAN, "v1")
    name = f"e{uuid.uuid4().hex[:12]}"
    started = remote.execute(launch_plan, inputs={"a": 3}, execution_name=name)
    assert started.id.name == name
    fetched = remote.fetch_execution(project, "development", name)
    assert fetched.id.name == name
    assert fetched.spec.launch_plan.name == LAUNCH_PLAN
    assert fetched.closure.phase == 0
    assert fetched.inputs["a"] == 3
    stored = admin.GetExecution(
        execution_pb2.WorkflowExecutionGetRequest(id=started.id.to_flyte_idl())
    )
    assert stored.closure.workflow_id.name == LAUNCH_PLAN
    assert stored.closure.state_change_details.state == execution_pb2.EXECUTION_ACTIVE
    assert stored.spec.max_parallelism == 25
    assert stored.spec.security_context.HasField("run_as")
    data = admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=started.id.to_flyte_idl())
    )
    assert set(data.full_inputs.literals) == {"a", "b"}
    assert data.full_inputs.literals["a"] == _int(3)


def test_a_generated_name_and_a_duplicate_name(
    project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    request = execution_pb2.ExecutionCreateRequest(project=project, domain="development")
    request.spec.launch_plan.CopyFrom(_launch_plan_id(project))
    request.inputs.literals["a"].CopyFrom(_int(1))
    generated = admin.CreateExecution(request).id
    assert len(generated.name) == 20 and generated.name.startswith("a")
    request.name = generated.name
    with pytest.raises(grpc.RpcError) as again:
        admin.CreateExecution(request)
    assert again.value.code() is grpc.StatusCode.ALREADY_EXISTS


def test_a_missing_input_is_invalid_naming_it(remote: FlyteRemote, project: str) -> None:
    launch_plan = remote.fetch_launch_plan(project, "development", LAUNCH_PLAN, "v1")
    with pytest.raises(FlyteInvalidInputException) as refused:
        remote.execute(launch_plan, inputs={"b": 2})
    cause = refused.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    assert cause.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "expected_inputs a missing" in cause.details()


def test_a_mistyped_input_is_invalid_naming_it(
    project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    request = execution_pb2.ExecutionCreateRequest(project=project, domain="development")
    request.spec.launch_plan.CopyFrom(_launch_plan_id(project))
    request.inputs.literals["a"].scalar.primitive.string_value = "three"
    with pytest.raises(grpc.RpcError) as refused:
        admin.CreateExecution(request)
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "invalid a input wrong type" in refused.value.details()


def test_an_unknown_execution_is_not_found(
    project: str, admin: admin_pb2_grpc.AdminServiceStub
) -> None:
    missing = identifier_pb2.WorkflowExecutionIdentifier(
        project=project, domain="development", name="never-ran"
    )
    with pytest.raises(grpc.RpcError) as absent:
        admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest(id=missing))
    assert absent.value.code() is grpc.StatusCode.NOT_FOUND
    assert "missing entity of type execution" in absent.value.details()

"""Faults become the right gRPC status, with typed details; nothing ever becomes UNKNOWN."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.admin import common_pb2, event_pb2, execution_pb2, project_pb2, version_pb2
from flyteidl.service import admin_pb2_grpc
from grpc_status import rpc_status

from flightdeck_platform import faults
from flightdeck_platform.rpc.errors import MAX_MESSAGE_BYTES
from flightdeck_proto import services


class FailingAdmin:
    async def GetTask(self, request, context):  # type: ignore[no-untyped-def]
        raise faults.NotFound(f"task {request.id.name} does not exist")

    async def CreateWorkflowEvent(self, request, context):  # type: ignore[no-untyped-def]
        reason = event_pb2.EventFailureReason(
            already_in_terminal_state=event_pb2.EventErrorAlreadyInTerminalState(
                current_phase="SUCCEEDED"
            )
        )
        raise faults.FailedPrecondition("execution is already terminal", details=[reason])

    async def GetProject(self, request, context):  # type: ignore[no-untyped-def]
        raise RuntimeError("a bug")

    async def ListProjects(self, request, context):  # type: ignore[no-untyped-def]
        raise faults.InvalidArgument("x" * (MAX_MESSAGE_BYTES + 5000))

    async def GetVersion(self, request, context):  # type: ignore[no-untyped-def]
        return version_pb2.GetVersionResponse()


@pytest.fixture
async def admin(serve):  # type: ignore[no-untyped-def]
    _, channel = await serve([(services.ADMIN, FailingAdmin())])
    return admin_pb2_grpc.AdminServiceStub(channel)


async def _failure(call) -> grpc.aio.AioRpcError:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call
    return raised.value


async def test_not_found_fault_is_not_found(admin) -> None:  # type: ignore[no-untyped-def]
    error = await _failure(admin.GetTask(common_pb2.ObjectGetRequest()))
    assert error.code() is grpc.StatusCode.NOT_FOUND
    assert error.details() == "task  does not exist"


async def test_fault_details_travel_as_google_rpc_status(admin) -> None:  # type: ignore[no-untyped-def]
    error = await _failure(admin.CreateWorkflowEvent(event_pb2.WorkflowExecutionEventRequest()))
    assert error.code() is grpc.StatusCode.FAILED_PRECONDITION
    status = rpc_status.from_call(error)
    assert status is not None and len(status.details) == 1
    reason = event_pb2.EventFailureReason()
    assert status.details[0].Unpack(reason)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"


async def test_unexpected_exception_is_internal_with_trace_id(admin) -> None:  # type: ignore[no-untyped-def]
    error = await _failure(admin.GetProject(project_pb2.ProjectGetRequest(id="p")))
    assert error.code() is grpc.StatusCode.INTERNAL
    assert "trace id" in error.details()
    assert "a bug" not in error.details()


async def test_long_messages_are_cut(admin) -> None:  # type: ignore[no-untyped-def]
    error = await _failure(admin.ListProjects(project_pb2.ProjectListRequest()))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert len(error.details().encode()) == MAX_MESSAGE_BYTES


async def test_missing_methods_are_unimplemented_by_name(admin) -> None:  # type: ignore[no-untyped-def]
    error = await _failure(admin.GetExecution(execution_pb2.WorkflowExecutionGetRequest()))
    assert error.code() is grpc.StatusCode.UNIMPLEMENTED
    assert "flyteidl.service.AdminService/GetExecution" in error.details()


async def test_implemented_method_answers(admin) -> None:  # type: ignore[no-untyped-def]
    assert (
        await admin.GetVersion(version_pb2.GetVersionRequest()) == version_pb2.GetVersionResponse()
    )

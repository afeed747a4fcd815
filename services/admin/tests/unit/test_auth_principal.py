"""The authenticated caller reaches the use cases that record it (execution metadata, abort)."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.api.executions import ExecutionsApi
from flightdeck_platform.auth import principal

ID = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="n")


class _Recorder:
    def __init__(self) -> None:
        self.principals: list[str] = []

    async def create(self, request: Any, principal: str = "") -> Any:
        self.principals.append(principal)
        return ID

    async def terminate(self, execution_id: Any, cause: str, principal: str = "") -> None:
        self.principals.append(principal)


async def test_create_and_terminate_record_the_caller() -> None:
    recorder = _Recorder()
    api = ExecutionsApi(recorder, recorder)  # type: ignore[arg-type]
    token = principal.bind(principal.Principal("alice", "flytectl"))
    try:
        await api.CreateExecution(execution_pb2.ExecutionCreateRequest(), None)  # type: ignore[arg-type]
        await api.TerminateExecution(execution_pb2.ExecutionTerminateRequest(id=ID), None)  # type: ignore[arg-type]
    finally:
        principal.unbind(token)
    await api.CreateExecution(execution_pb2.ExecutionCreateRequest(), None)  # type: ignore[arg-type]
    assert recorder.principals == ["alice", "alice", ""]

"""The executor's gRPC clients of the public API, through the edge: the three event RPCs,
SignalService for gates, AdminService executions for launch-plan nodes, and ListProjects for
hand-off mode's namespaces."""

from __future__ import annotations

import grpc
from flyteidl.admin import execution_pb2 as admin_execution_pb2
from flyteidl.admin import project_pb2, signal_pb2
from flyteidl.core import execution_pb2, identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import admin_pb2_grpc, signal_pb2_grpc
from google.protobuf.message import Message

from flightdeck_executor.service.ports import ChildStatus, Delivery, ProjectDomains

TERMINAL_PHASES = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
    }
)


def channel(target: str, max_message_bytes: int) -> grpc.aio.Channel:
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ],
    )


class GrpcEventSink:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._calls = {
            "workflow": stub.CreateWorkflowEvent,
            "node": stub.CreateNodeEvent,
            "task": stub.CreateTaskEvent,
        }
        self._timeout = timeout

    async def send(self, kind: str, request: Message) -> tuple[Delivery, str]:
        try:
            await self._calls[kind](request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            return _delivery(kind, request, error), error.details() or ""
        return Delivery.ACCEPTED, ""


def _delivery(kind: str, request: Message, error: grpc.aio.AioRpcError) -> Delivery:
    code = error.code()
    if code == grpc.StatusCode.ALREADY_EXISTS:
        return Delivery.ALREADY_EXISTS
    if code in TRANSIENT:
        return Delivery.RETRY
    if code == grpc.StatusCode.FAILED_PRECONDITION:
        # A terminal node or task event meeting a terminal record is a duplicate; anything
        # else refused for the run's own state stops the run, as propeller stops.
        if kind != "workflow" and _terminal(kind, request):
            return Delivery.ALREADY_EXISTS
        return Delivery.STOP
    return Delivery.REJECTED


def _terminal(kind: str, request: Message) -> bool:
    phase = request.event.phase  # type: ignore[attr-defined]
    enum = (
        execution_pb2.NodeExecution.Phase if kind == "node" else execution_pb2.TaskExecution.Phase
    )
    return enum.Name(phase) in TERMINAL_PHASES | {"SKIPPED", "RECOVERED"}


class GrpcSignals:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = signal_pb2_grpc.SignalServiceStub(channel)
        self._timeout = timeout

    async def get_or_create(
        self,
        execution_id: identifier_pb2.WorkflowExecutionIdentifier,
        signal_id: str,
        literal_type: types_pb2.LiteralType,
    ) -> literals_pb2.Literal | None:
        request = signal_pb2.SignalGetOrCreateRequest(
            id=identifier_pb2.SignalIdentifier(signal_id=signal_id, execution_id=execution_id),
            type=literal_type,
        )
        signal = await self._stub.GetOrCreateSignal(request, timeout=self._timeout)
        return signal.value if signal.HasField("value") else None


class GrpcChildExecutions:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def create(
        self,
        child: identifier_pb2.WorkflowExecutionIdentifier,
        launch_plan: identifier_pb2.Identifier,
        inputs: literals_pb2.LiteralMap,
        parent: identifier_pb2.NodeExecutionIdentifier,
        parent_spec: object,
    ) -> str:
        spec = admin_execution_pb2.ExecutionSpec(launch_plan=launch_plan)
        spec.metadata.mode = admin_execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
        spec.metadata.nesting = 1
        spec.metadata.parent_node_execution.CopyFrom(parent)
        if isinstance(parent_spec, admin_execution_pb2.ExecutionSpec):
            spec.max_parallelism = parent_spec.max_parallelism
            spec.raw_output_data_config.CopyFrom(parent_spec.raw_output_data_config)
            spec.envs.CopyFrom(parent_spec.envs)
        request = admin_execution_pb2.ExecutionCreateRequest(
            project=child.project, domain=child.domain, name=child.name, spec=spec, inputs=inputs
        )
        try:
            await self._stub.CreateExecution(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.ALREADY_EXISTS:
                return ""
            # NOT_FOUND may be the parent node not projected yet: retried like a transient.
            if error.code() in TRANSIENT or error.code() == grpc.StatusCode.NOT_FOUND:
                raise
            return error.details() or str(error.code())
        return ""

    async def status(self, child: identifier_pb2.WorkflowExecutionIdentifier) -> ChildStatus:
        execution = await self._stub.GetExecution(
            admin_execution_pb2.WorkflowExecutionGetRequest(id=child), timeout=self._timeout
        )
        phase = execution_pb2.WorkflowExecution.Phase.Name(execution.closure.phase)
        if phase != "SUCCEEDED":
            error = execution.closure.error if execution.closure.HasField("error") else None
            return ChildStatus(phase=phase, error=error)
        data = await self._stub.GetExecutionData(
            admin_execution_pb2.WorkflowExecutionGetDataRequest(id=child), timeout=self._timeout
        )
        return ChildStatus(phase=phase, outputs=data.full_outputs)

    async def terminate(
        self, child: identifier_pb2.WorkflowExecutionIdentifier, cause: str
    ) -> None:
        try:
            await self._stub.TerminateExecution(
                admin_execution_pb2.ExecutionTerminateRequest(id=child, cause=cause),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            if error.code() not in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
                raise


class GrpcProjects:
    PAGE_SIZE = 100

    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def active_projects(self) -> list[ProjectDomains]:
        """Every page of ListProjects; archived projects are skipped here rather than by a
        server-side filter, so any admin's filter grammar will do."""
        found: list[ProjectDomains] = []
        token = ""
        while True:
            page = await self._stub.ListProjects(
                project_pb2.ProjectListRequest(limit=self.PAGE_SIZE, token=token),
                timeout=self._timeout,
            )
            found.extend(
                ProjectDomains(p.id, tuple(d.id for d in p.domains))
                for p in page.projects
                if p.state != project_pb2.Project.ARCHIVED
            )
            if not page.token:
                return found
            token = page.token

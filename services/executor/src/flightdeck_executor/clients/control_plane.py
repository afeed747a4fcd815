"""The executor's gRPC clients of the public API, through the edge: the three event RPCs,
SignalService for gates, AdminService executions for launch-plan nodes, node executions of a
recovery source, and ListProjects for hand-off mode's namespaces."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from flyteidl.admin import execution_pb2 as admin_execution_pb2
from flyteidl.admin import node_execution_pb2, project_pb2, signal_pb2
from flyteidl.core import execution_pb2, identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import admin_pb2_grpc, signal_pb2_grpc
from google.protobuf.message import Message

from flightdeck_executor.service.ports import (
    CHILD_NOT_FOUND,
    ChildStatus,
    Delivery,
    ProjectDomains,
    RecoveredNode,
)

TERMINAL_PHASES = frozenset({"SUCCEEDED", "FAILED", "ABORTED", "TIMED_OUT"})
SHARD_KEY_LABEL = "shard-key"
RECOVERABLE_NODE_PHASES = frozenset(
    {execution_pb2.NodeExecution.SUCCEEDED, execution_pb2.NodeExecution.RECOVERED}
)
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


def channel(
    target: str,
    max_message_bytes: int,
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> grpc.aio.Channel:
    """``interceptors``: the service account's token when authentication is on."""
    return grpc.aio.insecure_channel(
        target,
        options=[
            ("grpc.max_send_message_length", max_message_bytes),
            ("grpc.max_receive_message_length", max_message_bytes),
        ],
        interceptors=interceptors,
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
        spec = _child_spec(launch_plan, parent, parent_spec)
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
            return f"failed to launch workflow, caused by: {_status_text(error)}"
        return ""

    async def status(self, child: identifier_pb2.WorkflowExecutionIdentifier) -> ChildStatus:
        try:
            execution = await self._stub.GetExecution(
                admin_execution_pb2.WorkflowExecutionGetRequest(id=child), timeout=self._timeout
            )
        except grpc.aio.AioRpcError as refused:
            if refused.code() == grpc.StatusCode.NOT_FOUND:
                return ChildStatus(phase=CHILD_NOT_FOUND, error=refused.details() or "")
            raise
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


def _status_text(error: grpc.aio.AioRpcError) -> str:
    """As Go's gRPC prints a status (``rpc error: code = InvalidArgument desc = …``)."""
    code = "".join(part.capitalize() for part in error.code().name.split("_"))
    return f"rpc error: code = {code} desc = {error.details() or ''}"


def _child_spec(
    launch_plan: identifier_pb2.Identifier,
    parent: identifier_pb2.NodeExecutionIdentifier,
    parent_spec: object,
) -> admin_execution_pb2.ExecutionSpec:
    """What propeller passes down (spec §3.4); admin sets the real nesting from the parent."""
    spec = admin_execution_pb2.ExecutionSpec(launch_plan=launch_plan)
    spec.metadata.mode = admin_execution_pb2.ExecutionMetadata.CHILD_WORKFLOW
    spec.metadata.nesting = 1
    spec.metadata.parent_node_execution.CopyFrom(parent)
    if not isinstance(parent_spec, admin_execution_pb2.ExecutionSpec):
        return spec
    spec.max_parallelism = parent_spec.max_parallelism
    spec.raw_output_data_config.CopyFrom(parent_spec.raw_output_data_config)
    spec.envs.CopyFrom(parent_spec.envs)
    # The shard key is recomputed for the child, so it is not inherited.
    labels = {k: v for k, v in parent_spec.labels.values.items() if k != SHARD_KEY_LABEL}
    spec.labels.values.update(labels)
    spec.annotations.values.update(parent_spec.annotations.values)
    if parent_spec.HasField("security_context"):
        spec.security_context.CopyFrom(parent_spec.security_context)
    if parent_spec.HasField("interruptible"):
        spec.interruptible.CopyFrom(parent_spec.interruptible)
    spec.overwrite_cache = parent_spec.overwrite_cache
    return spec


class GrpcRecoverySource:
    """Admin's record of a recovery source's nodes: GetNodeExecution, then for one that
    succeeded GetNodeExecutionData (as propeller's recovery client asks)."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def succeeded_node(
        self, source: identifier_pb2.WorkflowExecutionIdentifier, node_id: str
    ) -> RecoveredNode | None:
        node_execution_id = identifier_pb2.NodeExecutionIdentifier(
            node_id=node_id, execution_id=source
        )
        try:
            node = await self._stub.GetNodeExecution(
                node_execution_pb2.NodeExecutionGetRequest(id=node_execution_id),
                timeout=self._timeout,
            )
            if node.closure.phase not in RECOVERABLE_NODE_PHASES:
                return None
            data = await self._stub.GetNodeExecutionData(
                node_execution_pb2.NodeExecutionGetDataRequest(id=node_execution_id),
                timeout=self._timeout,
            )
        except grpc.aio.AioRpcError as error:
            # Not in the source: it never started there, so it runs here.
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise
        return _recovered(node, data)


def _recovered(
    node: node_execution_pb2.NodeExecution, data: node_execution_pb2.NodeExecutionGetDataResponse
) -> RecoveredNode:
    closure = node.closure
    outputs = None
    if data.HasField("full_outputs"):
        outputs = data.full_outputs
    elif closure.HasField("output_data"):
        outputs = closure.output_data
    child = None
    if closure.HasField("workflow_node_metadata"):
        child = closure.workflow_node_metadata.executionId
    return RecoveredNode(
        inputs=data.full_inputs if data.HasField("full_inputs") else None,
        outputs=outputs,
        input_uri=node.input_uri,
        output_uri=closure.output_uri,
        deck_uri=closure.deck_uri,
        task_node_metadata=(
            closure.task_node_metadata if closure.HasField("task_node_metadata") else None
        ),
        child_execution=child,
    )


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

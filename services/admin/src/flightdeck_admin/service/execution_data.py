"""GetExecutionData, GetNodeExecutionData, GetTaskExecutionData and GetDynamicNodeWorkflow
(admin.md §3.6): the recorded inputs and outputs read whole, the flyte:// URLs of a node's or an
attempt's data, and the compiled closure a dynamic node uploaded."""

from __future__ import annotations

from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import compiler_pb2, literals_pb2
from google.protobuf.message import DecodeError

from flightdeck_admin.domain import node_executions as node_rules
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.domain.execution_data import inline_outputs
from flightdeck_admin.domain.task_executions import require_task_execution_id
from flightdeck_admin.service.record_ports import (
    ExecutionId,
    ExecutionReader,
    NodeExecutionId,
    NodeExecutionStore,
    TaskExecutionStore,
)
from flightdeck_platform import faults
from flightdeck_records.node_executions import NodeRecord
from flightdeck_storage import ObjectStore, StoreUnavailable, literals
from flightdeck_storage.errors import ForeignLocation, InvalidKey, ObjectNotFound

_UNREADABLE = (ObjectNotFound, ForeignLocation, InvalidKey, StoreUnavailable)


class ExecutionData:
    def __init__(
        self,
        executions: ExecutionReader,
        nodes: NodeExecutionStore,
        tasks: TaskExecutionStore,
        blobs: ObjectStore,
    ) -> None:
        self._executions = executions
        self._nodes = nodes
        self._tasks = tasks
        self._blobs = blobs

    async def of_execution(
        self, execution_id: ExecutionId
    ) -> execution_pb2.WorkflowExecutionGetDataResponse:
        """No id check: an incomplete id is simply not found, as in the reference."""
        recorded = await self._executions.get(execution_id)
        closure = recorded.execution.closure
        response = execution_pb2.WorkflowExecutionGetDataResponse()
        _set_blobs(response)
        response.full_inputs.CopyFrom(await self._read(recorded.inputs_uri))
        if closure.HasField("output_data"):
            response.full_outputs.CopyFrom(inline_outputs(closure.output_data))
        elif closure.outputs.HasField("values"):
            response.full_outputs.CopyFrom(inline_outputs(closure.outputs.values))
        else:
            response.full_outputs.CopyFrom(await self._read(closure.outputs.uri))
        return response

    async def of_node(
        self, request: node_execution_pb2.NodeExecutionGetDataRequest
    ) -> node_execution_pb2.NodeExecutionGetDataResponse:
        node_rules.require_node_execution_id(request.id, present=request.HasField("id"))
        record = await self._nodes.get(request.id)
        node = record.node
        response = node_execution_pb2.NodeExecutionGetDataResponse()
        _set_blobs(response)
        response.full_inputs.CopyFrom(await self._read(node.input_uri))
        response.full_outputs.CopyFrom(await self._outputs(node.closure))
        response.flyte_urls.CopyFrom(
            node_rules.flyte_urls(node.id, None, bool(node.closure.deck_uri))
        )
        if record.dynamic_workflow is not None:
            dynamic = response.dynamic_workflow
            dynamic.id.CopyFrom(record.dynamic_workflow.workflow_id)
            dynamic.compiled_workflow.CopyFrom(await self._dynamic_closure(record))
            dynamic.dynamic_job_spec_uri = (
                record.dynamic_job_spec_uri or node.closure.dynamic_job_spec_uri
            )
        return response

    async def of_task(
        self, request: task_execution_pb2.TaskExecutionGetDataRequest
    ) -> task_execution_pb2.TaskExecutionGetDataResponse:
        require_task_execution_id(request.id, present=request.HasField("id"))
        task = (await self._tasks.get(request.id)).task
        response = task_execution_pb2.TaskExecutionGetDataResponse()
        _set_blobs(response)
        response.full_inputs.CopyFrom(await self._read(task.input_uri))
        response.full_outputs.CopyFrom(await self._outputs(task.closure))
        node_id = task.id.node_execution_id
        response.flyte_urls.CopyFrom(node_rules.flyte_urls(node_id, task.id.retry_attempt, False))
        return response

    async def dynamic_workflow(
        self, request: node_execution_pb2.GetDynamicNodeWorkflowRequest
    ) -> node_execution_pb2.DynamicNodeWorkflowResponse:
        node_rules.require_node_execution_id(request.id, present=request.HasField("id"))
        compiled = await self.dynamic_closure(request.id)
        if compiled is None:
            raise EntityNotFound("node does not contain dynamic workflow")
        return node_execution_pb2.DynamicNodeWorkflowResponse(compiled_workflow=compiled)

    async def dynamic_closure(
        self, node_id: NodeExecutionId
    ) -> compiler_pb2.CompiledWorkflowClosure | None:
        """The closure a dynamic node uploaded, None for other nodes; raises EntityNotFound."""
        record = await self._nodes.get(node_id)
        if record.dynamic_workflow is None:
            return None
        return await self._dynamic_closure(record)

    async def _dynamic_closure(self, record: NodeRecord) -> compiler_pb2.CompiledWorkflowClosure:
        assert record.dynamic_workflow is not None
        uri = record.dynamic_workflow.compiled_workflow_uri
        try:
            data = await self._blobs.read(self._blobs.key_of(uri))
            return compiler_pb2.CompiledWorkflowClosure.FromString(data)
        except (*_UNREADABLE, DecodeError) as e:
            raise faults.Internal(f"unable to read the dynamic workflow closure at {uri}") from e

    async def _outputs(
        self,
        closure: node_execution_pb2.NodeExecutionClosure | task_execution_pb2.TaskExecutionClosure,
    ) -> literals_pb2.LiteralMap:
        if closure.HasField("output_data"):
            return inline_outputs(closure.output_data)
        return await self._read(closure.output_uri)

    async def _read(self, uri: str) -> literals_pb2.LiteralMap:
        """An unreadable blob answers an empty map, as the reference does."""
        if not uri:
            return literals_pb2.LiteralMap()
        try:
            return await literals.read_literal_map(self._blobs, self._blobs.key_of(uri))
        except _UNREADABLE:
            return literals_pb2.LiteralMap()


def _set_blobs(
    response: execution_pb2.WorkflowExecutionGetDataResponse
    | node_execution_pb2.NodeExecutionGetDataResponse
    | task_execution_pb2.TaskExecutionGetDataResponse,
) -> None:
    """Signed URLs are off, so the URL blobs are present but empty (the reference's default)."""
    response.inputs.SetInParent()
    response.outputs.SetInParent()

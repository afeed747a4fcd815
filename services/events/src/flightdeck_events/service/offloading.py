"""Moves an event's inline data to the object store before it is folded, at the reference's
deterministic paths (so a redelivered event rewrites the same objects), and uploads a dynamic
node's compiled closure."""

from __future__ import annotations

from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records.node_executions import DynamicWorkflowRef
from flightdeck_storage import ObjectStore, layout

OFFLOADED_INPUTS = "offloaded_inputs"
OFFLOADED_OUTPUTS = "offloaded_outputs"


class Offloader:
    def __init__(self, blobs: ObjectStore) -> None:
        self._blobs = blobs

    async def prepare(
        self, envelope: events_pb2.EventEnvelope
    ) -> tuple[events_pb2.EventEnvelope, DynamicWorkflowRef | None]:
        """A copy of the envelope whose event carries URIs only, and the dynamic closure's
        reference when the event brought one."""
        prepared = events_pb2.EventEnvelope()
        prepared.CopyFrom(envelope)
        kind = prepared.WhichOneof("event")
        if kind == "workflow":
            await self._workflow(prepared.workflow.event)
        elif kind == "node":
            return prepared, await self._node(prepared.node.event)
        elif kind == "task":
            await self._task(prepared.task.event)
        return prepared, None

    async def _workflow(self, event: event_pb2.WorkflowExecutionEvent) -> None:
        execution = event.execution_id
        if event.HasField("output_data"):
            key = layout.execution_data(
                execution.project, execution.domain, execution.name, OFFLOADED_OUTPUTS
            )
            event.output_uri = await self._write(key, event.output_data)

    async def _node(self, event: event_pb2.NodeExecutionEvent) -> DynamicWorkflowRef | None:
        execution = event.id.execution_id

        def key(item: str) -> str:
            return layout.node_offloaded(
                execution.project, execution.domain, execution.name, event.id.node_id, item
            )

        if event.HasField("input_data"):
            event.input_uri = await self._write(key(OFFLOADED_INPUTS), event.input_data)
        if event.HasField("output_data"):
            event.output_uri = await self._write(key(OFFLOADED_OUTPUTS), event.output_data)
        if not event.task_node_metadata.HasField("dynamic_workflow"):
            return None
        dynamic = event.task_node_metadata.dynamic_workflow
        closure_key = layout.dynamic_workflow_closure(
            execution.project,
            execution.domain,
            execution.name,
            event.id.node_id,
            _parts(dynamic.id),
        )
        closure = dynamic.compiled_workflow.SerializeToString(deterministic=True)
        await self._blobs.write(closure_key, closure)
        return DynamicWorkflowRef(dynamic.id, self._blobs.native_url(closure_key))

    async def _task(self, event: event_pb2.TaskExecutionEvent) -> None:
        node_id = event.parent_node_execution_id
        execution = node_id.execution_id

        def key(item: str) -> str:
            return layout.task_attempt_offloaded(
                execution.project,
                execution.domain,
                execution.name,
                node_id.node_id,
                _parts(event.task_id),
                event.retry_attempt,
                item,
            )

        if event.HasField("input_data"):
            event.input_uri = await self._write(key(OFFLOADED_INPUTS), event.input_data)
        if event.HasField("output_data"):
            event.output_uri = await self._write(key(OFFLOADED_OUTPUTS), event.output_data)

    async def _write(self, key: str, literals: literals_pb2.LiteralMap) -> str:
        await self._blobs.write(key, literals.SerializeToString(deterministic=True))
        return self._blobs.native_url(key)


def _parts(identifier: identifier_pb2.Identifier) -> tuple[str, str, str, str]:
    return (identifier.project, identifier.domain, identifier.name, identifier.version)

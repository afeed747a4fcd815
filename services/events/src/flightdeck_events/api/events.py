"""AdminService's three event RPCs, served by the events gateway."""

from __future__ import annotations

import grpc
from flyteidl.admin import event_pb2

from flightdeck_events.service.ingestion import EventIngestion


class EventsApi:
    def __init__(self, ingestion: EventIngestion) -> None:
        self._ingestion = ingestion

    async def CreateWorkflowEvent(
        self,
        request: event_pb2.WorkflowExecutionEventRequest,
        context: grpc.aio.ServicerContext,
    ) -> event_pb2.WorkflowExecutionEventResponse:
        await self._ingestion.workflow_event(request)
        return event_pb2.WorkflowExecutionEventResponse()

    async def CreateNodeEvent(
        self, request: event_pb2.NodeExecutionEventRequest, context: grpc.aio.ServicerContext
    ) -> event_pb2.NodeExecutionEventResponse:
        await self._ingestion.node_event(request)
        return event_pb2.NodeExecutionEventResponse()

    async def CreateTaskEvent(
        self, request: event_pb2.TaskExecutionEventRequest, context: grpc.aio.ServicerContext
    ) -> event_pb2.TaskExecutionEventResponse:
        await self._ingestion.task_event(request)
        return event_pb2.TaskExecutionEventResponse()

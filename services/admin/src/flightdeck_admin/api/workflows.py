"""AdminService workflow RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, workflow_pb2

from flightdeck_admin.service.versioned import VersionedListing
from flightdeck_admin.service.workflows import Workflows


class WorkflowsApi:
    def __init__(
        self,
        workflows: Workflows,
        listing: VersionedListing[workflow_pb2.Workflow, workflow_pb2.WorkflowList],
    ) -> None:
        self._listing = listing
        self._workflows = workflows

    async def CreateWorkflow(
        self, request: workflow_pb2.WorkflowCreateRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.WorkflowCreateResponse:
        await self._workflows.create(request)
        return workflow_pb2.WorkflowCreateResponse()

    async def GetWorkflow(
        self, request: common_pb2.ObjectGetRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.Workflow:
        return await self._workflows.get(request.id)

    async def ListWorkflows(
        self, request: common_pb2.ResourceListRequest, context: grpc.aio.ServicerContext
    ) -> workflow_pb2.WorkflowList:
        return await self._listing.list(request)

    async def ListWorkflowIds(
        self,
        request: common_pb2.NamedEntityIdentifierListRequest,
        context: grpc.aio.ServicerContext,
    ) -> common_pb2.NamedEntityIdentifierList:
        return await self._listing.list_ids(request)

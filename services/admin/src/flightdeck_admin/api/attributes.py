"""AdminService matchable attribute RPCs: project, project-domain and workflow levels, and the
listing by resource type."""

from __future__ import annotations

from typing import Any

import grpc
from flyteidl.admin import matchable_resource_pb2
from flyteidl.admin import project_attributes_pb2 as pa
from flyteidl.admin import project_domain_attributes_pb2 as pda
from flyteidl.admin import workflow_attributes_pb2 as wa
from google.protobuf.message import Message

from flightdeck_admin.domain.attributes import MatchableRecord, MatchingAttributes
from flightdeck_admin.domain.errors import MissingField
from flightdeck_admin.service.attributes import MatchableAttributes


def _required(request: Message, field: str) -> Any:
    if not request.HasField(field):
        raise MissingField(field)
    return getattr(request, field)


def _matching(attributes: Any) -> MatchingAttributes | None:
    if not attributes.HasField("matching_attributes"):
        return None
    return attributes.matching_attributes


def _configuration(
    record: MatchableRecord,
) -> matchable_resource_pb2.MatchableAttributesConfiguration:
    return matchable_resource_pb2.MatchableAttributesConfiguration(
        attributes=record.attributes,
        project=record.key.project,
        domain=record.key.domain,
        workflow=record.key.workflow,
        launch_plan=record.key.launch_plan,
    )


class MatchableAttributesApi:
    def __init__(self, attributes: MatchableAttributes) -> None:
        self._attributes = attributes

    async def UpdateProjectDomainAttributes(
        self, request: pda.ProjectDomainAttributesUpdateRequest, context: grpc.aio.ServicerContext
    ) -> pda.ProjectDomainAttributesUpdateResponse:
        given = _required(request, "attributes")
        await self._attributes.update_project_domain(given.project, given.domain, _matching(given))
        return pda.ProjectDomainAttributesUpdateResponse()

    async def GetProjectDomainAttributes(
        self, request: pda.ProjectDomainAttributesGetRequest, context: grpc.aio.ServicerContext
    ) -> pda.ProjectDomainAttributesGetResponse:
        record = await self._attributes.get_project_domain(
            request.project, request.domain, request.resource_type
        )
        return pda.ProjectDomainAttributesGetResponse(
            attributes=pda.ProjectDomainAttributes(
                project=record.key.project,
                domain=record.key.domain,
                matching_attributes=record.attributes,
            )
        )

    async def DeleteProjectDomainAttributes(
        self, request: pda.ProjectDomainAttributesDeleteRequest, context: grpc.aio.ServicerContext
    ) -> pda.ProjectDomainAttributesDeleteResponse:
        await self._attributes.delete_project_domain(
            request.project, request.domain, request.resource_type
        )
        return pda.ProjectDomainAttributesDeleteResponse()

    async def UpdateProjectAttributes(
        self, request: pa.ProjectAttributesUpdateRequest, context: grpc.aio.ServicerContext
    ) -> pa.ProjectAttributesUpdateResponse:
        given = _required(request, "attributes")
        await self._attributes.update_project(given.project, _matching(given))
        return pa.ProjectAttributesUpdateResponse()

    async def GetProjectAttributes(
        self, request: pa.ProjectAttributesGetRequest, context: grpc.aio.ServicerContext
    ) -> pa.ProjectAttributesGetResponse:
        matching = await self._attributes.get_project(request.project, request.resource_type)
        return pa.ProjectAttributesGetResponse(
            attributes=pa.ProjectAttributes(project=request.project, matching_attributes=matching)
        )

    async def DeleteProjectAttributes(
        self, request: pa.ProjectAttributesDeleteRequest, context: grpc.aio.ServicerContext
    ) -> pa.ProjectAttributesDeleteResponse:
        await self._attributes.delete_project(request.project, request.resource_type)
        return pa.ProjectAttributesDeleteResponse()

    async def UpdateWorkflowAttributes(
        self, request: wa.WorkflowAttributesUpdateRequest, context: grpc.aio.ServicerContext
    ) -> wa.WorkflowAttributesUpdateResponse:
        given = _required(request, "attributes")
        await self._attributes.update_workflow(
            given.project, given.domain, given.workflow, _matching(given)
        )
        return wa.WorkflowAttributesUpdateResponse()

    async def GetWorkflowAttributes(
        self, request: wa.WorkflowAttributesGetRequest, context: grpc.aio.ServicerContext
    ) -> wa.WorkflowAttributesGetResponse:
        record = await self._attributes.get_workflow(
            request.project, request.domain, request.workflow, request.resource_type
        )
        return wa.WorkflowAttributesGetResponse(
            attributes=wa.WorkflowAttributes(
                project=record.key.project,
                domain=record.key.domain,
                workflow=record.key.workflow,
                matching_attributes=record.attributes,
            )
        )

    async def DeleteWorkflowAttributes(
        self, request: wa.WorkflowAttributesDeleteRequest, context: grpc.aio.ServicerContext
    ) -> wa.WorkflowAttributesDeleteResponse:
        await self._attributes.delete_workflow(
            request.project, request.domain, request.workflow, request.resource_type
        )
        return wa.WorkflowAttributesDeleteResponse()

    async def ListMatchableAttributes(
        self,
        request: matchable_resource_pb2.ListMatchableAttributesRequest,
        context: grpc.aio.ServicerContext,
    ) -> matchable_resource_pb2.ListMatchableAttributesResponse:
        records = await self._attributes.list(request.resource_type)
        return matchable_resource_pb2.ListMatchableAttributesResponse(
            configurations=[_configuration(record) for record in records]
        )

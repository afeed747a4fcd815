"""AdminService project and domain RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import project_pb2

from flightdeck_admin.service.projects import Projects


class ProjectsApi:
    def __init__(self, projects: Projects) -> None:
        self._projects = projects

    async def RegisterProject(
        self, request: project_pb2.ProjectRegisterRequest, context: grpc.aio.ServicerContext
    ) -> project_pb2.ProjectRegisterResponse:
        await self._projects.register(request.project)
        return project_pb2.ProjectRegisterResponse()

    async def UpdateProject(
        self, request: project_pb2.Project, context: grpc.aio.ServicerContext
    ) -> project_pb2.ProjectUpdateResponse:
        await self._projects.update(request)
        return project_pb2.ProjectUpdateResponse()

    async def GetProject(
        self, request: project_pb2.ProjectGetRequest, context: grpc.aio.ServicerContext
    ) -> project_pb2.Project:
        return await self._projects.get(request.id)

    async def GetDomains(
        self, request: project_pb2.GetDomainRequest, context: grpc.aio.ServicerContext
    ) -> project_pb2.GetDomainsResponse:
        return project_pb2.GetDomainsResponse(domains=self._projects.domains())

    async def ListProjects(
        self, request: project_pb2.ProjectListRequest, context: grpc.aio.ServicerContext
    ) -> project_pb2.Projects:
        return await self._projects.list(request)

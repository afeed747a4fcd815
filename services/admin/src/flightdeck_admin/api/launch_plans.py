"""AdminService launch plan RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, launch_plan_pb2

from flightdeck_admin.service.launch_plans import LaunchPlans
from flightdeck_admin.service.versioned import VersionedListing


class LaunchPlansApi:
    def __init__(
        self,
        launch_plans: LaunchPlans,
        listing: VersionedListing[launch_plan_pb2.LaunchPlan, launch_plan_pb2.LaunchPlanList],
    ) -> None:
        self._listing = listing
        self._launch_plans = launch_plans

    async def CreateLaunchPlan(
        self, request: launch_plan_pb2.LaunchPlanCreateRequest, context: grpc.aio.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanCreateResponse:
        await self._launch_plans.create(request)
        return launch_plan_pb2.LaunchPlanCreateResponse()

    async def GetLaunchPlan(
        self, request: common_pb2.ObjectGetRequest, context: grpc.aio.ServicerContext
    ) -> launch_plan_pb2.LaunchPlan:
        return await self._launch_plans.get(request.id)

    async def UpdateLaunchPlan(
        self, request: launch_plan_pb2.LaunchPlanUpdateRequest, context: grpc.aio.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanUpdateResponse:
        await self._launch_plans.update(request.id, request.state)
        return launch_plan_pb2.LaunchPlanUpdateResponse()

    async def GetActiveLaunchPlan(
        self, request: launch_plan_pb2.ActiveLaunchPlanRequest, context: grpc.aio.ServicerContext
    ) -> launch_plan_pb2.LaunchPlan:
        identifier = request.id
        return await self._launch_plans.get_active(
            identifier.project, identifier.domain, identifier.name
        )

    async def ListLaunchPlans(
        self, request: common_pb2.ResourceListRequest, context: grpc.aio.ServicerContext
    ) -> launch_plan_pb2.LaunchPlanList:
        return await self._listing.list(request)

    async def ListLaunchPlanIds(
        self,
        request: common_pb2.NamedEntityIdentifierListRequest,
        context: grpc.aio.ServicerContext,
    ) -> common_pb2.NamedEntityIdentifierList:
        return await self._listing.list_ids(request)

    async def ListActiveLaunchPlans(
        self,
        request: launch_plan_pb2.ActiveLaunchPlanListRequest,
        context: grpc.aio.ServicerContext,
    ) -> launch_plan_pb2.LaunchPlanList:
        return await self._launch_plans.list_active(request)

"""AdminService through the edge: the active launch plans of every project and domain, the
active version of one name, and CreateExecution.

gRPC status codes become the scheduler's vocabulary here and nowhere else: ALREADY_EXISTS is
an earlier creation of the same tick; UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED and
the like are transient; every other code is a refusal that counts against the tick's budget.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC

import grpc
from flyteidl.admin import common_pb2, execution_pb2, launch_plan_pb2, project_pb2
from flyteidl.service import admin_pb2_grpc

from flightdeck_scheduler.domain.errors import InvalidSchedule, LaunchFailed
from flightdeck_scheduler.domain.schedules import Schedule, schedule_of
from flightdeck_scheduler.service import metrics
from flightdeck_scheduler.service.ports import ActiveVersion

TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.UNKNOWN,
    }
)
PAGE_SIZE = 100

_log = logging.getLogger("flightdeck.scheduler.admin")


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


class GrpcLaunchPlans:
    """ListProjects, then ListActiveLaunchPlans for each of a project's domains: the public
    API's way to every active launch plan. Schedules are picked out here, since the active
    listing takes no filters."""

    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def scheduled(self) -> list[Schedule]:
        found = []
        for project in await self._projects():
            for domain in project.domains:
                for launch_plan in await self._active(project.id, domain.id):
                    schedule = _schedule(launch_plan)
                    if schedule is not None:
                        found.append(schedule)
        return found

    async def _projects(self) -> list[project_pb2.Project]:
        projects: list[project_pb2.Project] = []
        token = ""
        while True:
            page = await self._stub.ListProjects(
                project_pb2.ProjectListRequest(limit=PAGE_SIZE, token=token), timeout=self._timeout
            )
            projects += page.projects
            token = page.token
            if not token or not page.projects:
                return projects

    async def _active(self, project: str, domain: str) -> list[launch_plan_pb2.LaunchPlan]:
        found: list[launch_plan_pb2.LaunchPlan] = []
        token = ""
        while True:
            page = await self._stub.ListActiveLaunchPlans(
                launch_plan_pb2.ActiveLaunchPlanListRequest(
                    project=project, domain=domain, limit=PAGE_SIZE, token=token
                ),
                timeout=self._timeout,
            )
            found += page.launch_plans
            token = page.token
            if not token or not page.launch_plans:
                return found

    async def active(self, project: str, domain: str, name: str) -> ActiveVersion | None:
        request = launch_plan_pb2.ActiveLaunchPlanRequest(
            id=common_pb2.NamedEntityIdentifier(project=project, domain=domain, name=name)
        )
        try:
            found = await self._stub.GetActiveLaunchPlan(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _failed(f"GetActiveLaunchPlan {project}/{domain}/{name}", error) from error
        since = found.closure.updated_at.ToDatetime(tzinfo=UTC)
        return ActiveVersion(found.id.version, since)


def _schedule(launch_plan: launch_plan_pb2.LaunchPlan) -> Schedule | None:
    try:
        return schedule_of(launch_plan)
    except InvalidSchedule as error:
        metrics.INVALID_SCHEDULES.inc()
        _log.warning(
            "active launch plan with a schedule that cannot be evaluated; skipped",
            extra={"launch_plan": str(launch_plan.id).replace("\n", " "), "error": str(error)},
        )
        return None


class GrpcExecutions:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def create(self, request: execution_pb2.ExecutionCreateRequest) -> bool:
        try:
            await self._stub.CreateExecution(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.ALREADY_EXISTS:
                return False
            raise _failed(f"CreateExecution {request.name}", error) from error
        return True


def _failed(call: str, error: grpc.aio.AioRpcError) -> LaunchFailed:
    message = f"{call}: {error.code().name} {error.details()}"
    return LaunchFailed(message, transient=error.code() in TRANSIENT)

"""AdminService.GetVersion: the running build."""

from __future__ import annotations

import grpc
from flyteidl.admin import version_pb2

from flightdeck_admin.domain.build import ControlPlaneVersion


class VersionApi:
    def __init__(self, version: ControlPlaneVersion) -> None:
        self._version = version

    async def GetVersion(
        self, request: version_pb2.GetVersionRequest, context: grpc.aio.ServicerContext
    ) -> version_pb2.GetVersionResponse:
        return version_pb2.GetVersionResponse(
            control_plane_version=version_pb2.Version(
                Version=self._version.version,
                Build=self._version.build,
                BuildTime=self._version.build_time,
            )
        )

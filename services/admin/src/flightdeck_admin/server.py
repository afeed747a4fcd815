"""Composition root of the admin service: settings → clients → servicers → host."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import AsyncMongoClient

from flightdeck_admin.api.admin_servicer import AdminServicer
from flightdeck_admin.domain.build import ControlPlaneVersion
from flightdeck_admin.settings import AdminSettings
from flightdeck_admin.store import mongo
from flightdeck_platform.build_info import build_info
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-admin"


def build_host(settings: AdminSettings, client: AsyncMongoClient) -> ServiceHost:
    info = build_info(SERVICE_NAME)
    admin = AdminServicer(ControlPlaneVersion(info.version, info.commit, info.built_at))
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[
            (services.ADMIN, admin),
            (services.AUTH_METADATA, None),
            (services.IDENTITY, None),
            (services.AGENT_METADATA, None),
            (services.CACHE, None),
        ],
        probes={"mongo": lambda: mongo.ping(client)},
        health_names=["flyteadmin"],
    )


async def serve(settings: AdminSettings) -> None:
    client = mongo.connect(settings.mongo, SERVICE_NAME)
    try:
        await build_host(settings, client).run_until_signalled()
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, AdminSettings, serve, argv)

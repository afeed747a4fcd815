"""Composition root of the data proxy: settings → object store → use cases → APIs → host."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from starlette.routing import BaseRoute

from flightdeck_dataproxy.api.dataproxy import DataProxyApi
from flightdeck_dataproxy.clients.admin_records import AdminExecutionRecords
from flightdeck_dataproxy.service.data import DataReader
from flightdeck_dataproxy.service.downloads import Downloads
from flightdeck_dataproxy.service.uploads import UploadPolicy, Uploads
from flightdeck_dataproxy.settings import DataProxySettings
from flightdeck_platform.auth.client import client_interceptors
from flightdeck_platform.auth.setup import server_authentication
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services
from flightdeck_storage import LocalObjectStore, ObjectStore, open_store, url_signer
from flightdeck_storage.endpoint import SignedUrlEndpoint

SERVICE_NAME = "flightdeck-dataproxy"


async def open_object_store(settings: DataProxySettings) -> tuple[ObjectStore, list[BaseRoute]]:
    """The store, and for the local backend the endpoint that honours its signed URLs."""
    storage = settings.storage
    if storage.backend != "local":
        return await open_store(storage), []
    signer = url_signer(storage.signing)
    store = LocalObjectStore(storage.local_root, signer, storage.public_url)
    return store, SignedUrlEndpoint(store, signer, settings.upload.max_bytes).routes()


def build_host(
    settings: DataProxySettings,
    store: ObjectStore,
    routes: Sequence[BaseRoute],
    admin: grpc.aio.Channel,
) -> ServiceHost:
    executions = AdminExecutionRecords(admin, settings.admin.timeout_seconds)
    upload = settings.upload
    downloads = Downloads(store, executions, settings.download.max_expires_in)
    api = DataProxyApi(
        Uploads(
            store,
            UploadPolicy(
                upload.max_expires_in, upload.storage_prefix, upload.default_filename_length
            ),
        ),
        downloads,
        DataReader(executions, downloads),
    )
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        authentication=server_authentication(settings.auth, SERVICE_NAME),
        services=[(services.DATA_PROXY, [api])],
        probes={"object_store": store.ping},
        extra_routes=routes,
    )


def admin_channel(settings: DataProxySettings) -> grpc.aio.Channel:
    """Connects lazily: admin need not be up when the data proxy starts."""
    size = settings.server.max_message_bytes
    return grpc.aio.insecure_channel(
        settings.admin.target,
        options=[
            ("grpc.max_receive_message_length", size),
            ("grpc.max_send_message_length", size),
        ],
        interceptors=client_interceptors(settings.auth, "flightdeck-dataproxy"),
    )


async def serve(settings: DataProxySettings) -> None:
    store, routes = await open_object_store(settings)
    admin = admin_channel(settings)
    try:
        await build_host(settings, store, routes, admin).run_until_signalled()
    finally:
        await admin.close()
        await store.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, DataProxySettings, serve, argv)

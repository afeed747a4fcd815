"""Real flytekit with ``authType: ClientSecret`` against admin with authentication on: its first
call is refused, it reads the auth metadata, gets a token from the built-in server and retries."""

from __future__ import annotations

import asyncio
import gc
import socket
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from flytekit.clients.friendly import SynchronousFlyteClient
from flytekit.configuration import AuthType, PlatformConfig

from flightdeck_admin.messaging import kafka
from flightdeck_admin.server import build_host, outbox_of
from flightdeck_admin.settings import AdminSettings
from flightdeck_admin.store import mongo
from flightdeck_platform.auth.settings import AuthSettings, IssuerSettings, RegisteredClient
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import KafkaSettings, MongoSettings, ServerSettings
from flightdeck_storage import LocalObjectStore


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    (tmp_path / "secret").write_text("ci-password")
    http_port = _free_port()  # the metadata names the token endpoint, so it is known up front
    settings = AdminSettings(
        server=ServerSettings(grpc_port=0, http_port=http_port),
        mongo=MongoSettings(url="mongodb://127.0.0.1:9/", server_selection_timeout_ms=100),
        kafka=KafkaSettings(bootstrap_servers="127.0.0.1:9"),
        auth=AuthSettings(
            enabled=True,
            public_url=f"http://127.0.0.1:{http_port}",
            issuer_server=IssuerSettings(
                signing_keys_dir=str(tmp_path / "keys"),
                clients=[RegisteredClient(client_id="ci", secret_file=str(tmp_path / "secret"))],
            ),
        ),
    )
    client = mongo.connect(settings.mongo, "test")
    blobs = LocalObjectStore(tmp_path / "blobs")
    producer = kafka.producer(settings.kafka)
    served = build_host(settings, client, blobs, producer, outbox_of(client["x"], producer, blobs))
    await served.start()
    yield served
    await served.stop()
    await producer.stop()
    await client.close()


async def test_flytekit_client_secret_flow_gets_through(host: ServiceHost) -> None:
    config = PlatformConfig(
        endpoint=f"127.0.0.1:{host.grpc_port}",
        insecure=True,
        auth_mode=AuthType.CLIENTSECRET,
        client_id="ci",
        client_credentials_secret="ci-password",
    )

    def version() -> str:
        flyte = SynchronousFlyteClient(config)
        return str(flyte.get_control_plane_version())

    assert await asyncio.to_thread(version) == "0.1.0"
    # flytekit's token session keeps its socket until collected; collect it here, not in
    # whichever later test the garbage collector happens to run in.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()

"""Real flytekit with ``authType: ClientSecret`` against admin with authentication on: its first
call is refused, it reads the auth metadata, gets a token from the built-in server and retries."""

from __future__ import annotations

import asyncio
import gc
import warnings
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import testkit
from flytekit.clients.friendly import SynchronousFlyteClient
from flytekit.configuration import AuthType, PlatformConfig

from flightdeck_platform.auth.settings import AuthSettings, IssuerSettings, RegisteredClient
from flightdeck_platform.host import ServiceHost


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    (tmp_path / "secret").write_text("ci-password")
    # The metadata names the token endpoint, so the port is known up front.
    http_port = testkit.free_port()
    auth = AuthSettings(
        enabled=True,
        public_url=f"http://127.0.0.1:{http_port}",
        issuer_server=IssuerSettings(
            signing_keys_dir=str(tmp_path / "keys"),
            users=[],
            clients=[RegisteredClient(client_id="ci", secret_file=str(tmp_path / "secret"))],
        ),
    )
    async with testkit.serve_admin_with_auth(auth, tmp_path, http_port) as served:
        yield served


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

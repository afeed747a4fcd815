"""Admin with authentication on (self mode): the built-in server issues client-credentials
tokens, every RPC but AuthMetadataService needs one, over gRPC and REST alike."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
import testkit
from flyteidl.admin import project_pb2, version_pb2
from flyteidl.service import (
    admin_pb2_grpc,
    auth_pb2,
    auth_pb2_grpc,
    identity_pb2,
    identity_pb2_grpc,
)
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from flightdeck_platform.auth.settings import AuthSettings, IssuerSettings, RegisteredClient
from flightdeck_platform.host import ServiceHost

PUBLIC = "http://flightdeck.test"


@pytest.fixture
async def host(tmp_path: Path) -> AsyncIterator[ServiceHost]:
    (tmp_path / "ci-secret").write_text("ci-password")
    auth = AuthSettings(
        enabled=True,
        public_url=PUBLIC,
        issuer_server=IssuerSettings(
            signing_keys_dir=str(tmp_path / "keys"),
            users=[],
            clients=[
                RegisteredClient(client_id="ci", secret_file=str(tmp_path / "ci-secret")),
                RegisteredClient(client_id="flytectl", grant_types=["authorization_code"]),
            ],
        ),
    )
    async with testkit.serve_admin_with_auth(auth, tmp_path) as served:
        yield served


async def _token(host: ServiceHost, secret: str = "ci-password") -> httpx.Response:
    basic = base64.b64encode(f"ci:{secret}".encode()).decode()
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
        return await http.post(
            "/oauth2/token",
            content="grant_type=client_credentials",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )


async def _access_token(host: ServiceHost) -> str:
    answer = await _token(host)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["access_token"])


async def test_a_wrong_secret_gets_invalid_client(host: ServiceHost) -> None:
    answer = await _token(host, "wrong")
    assert (answer.status_code, answer.json()["error"]) == (401, "invalid_client")


async def test_non_anonymous_rpcs_need_a_token(host: ServiceHost) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        calls = [
            admin_pb2_grpc.AdminServiceStub(channel).GetVersion(version_pb2.GetVersionRequest()),
            admin_pb2_grpc.AdminServiceStub(channel).ListProjects(project_pb2.ProjectListRequest()),
            identity_pb2_grpc.IdentityServiceStub(channel).UserInfo(identity_pb2.UserInfoRequest()),
            health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest()),
        ]
        for call in calls:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await call
            assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
        watch = health_pb2_grpc.HealthStub(channel).Watch(health_pb2.HealthCheckRequest())
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await watch.read()
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_auth_metadata_answers_without_a_token(host: ServiceHost) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        stub = auth_pb2_grpc.AuthMetadataServiceStub(channel)
        metadata = await stub.GetOAuth2Metadata(auth_pb2.OAuth2MetadataRequest())
        client = await stub.GetPublicClientConfig(auth_pb2.PublicClientAuthConfigRequest())
    assert metadata.token_endpoint == f"{PUBLIC}/oauth2/token"
    assert metadata.jwks_uri == f"{PUBLIC}/oauth2/jwks"
    assert list(metadata.grant_types_supported) == [
        "client_credentials",
        "refresh_token",
        "authorization_code",
        "urn:ietf:params:oauth:grant-type:device_code",
    ]
    assert metadata.device_authorization_endpoint == f"{PUBLIC}/oauth2/device/authorize"
    assert (client.client_id, client.authorization_metadata_key) == (
        "flytectl",
        "flyte-authorization",
    )


async def test_a_token_opens_the_rpcs_and_names_the_caller(host: ServiceHost) -> None:
    token = await _access_token(host)
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        version = await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
            version_pb2.GetVersionRequest(), metadata=[("flyte-authorization", f"Bearer {token}")]
        )
        me = await identity_pb2_grpc.IdentityServiceStub(channel).UserInfo(
            identity_pb2.UserInfoRequest(), metadata=[("authorization", f"Bearer {token}")]
        )
    assert version.control_plane_version.Version
    assert me.subject == "ci"
    assert me.additional_claims["client_id"] == "ci"


async def test_rest_answers_401_without_a_token_and_the_caller_with_one(
    host: ServiceHost,
) -> None:
    token = await _access_token(host)
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
        anonymous = [await http.get(p) for p in ("/api/v1/version", "/me")]
        open_ = [
            await http.get(p)
            for p in (
                "/.well-known/oauth-authorization-server",
                "/config/v1/flyte_client",
                "/oauth2/jwks",
                "/healthcheck",
            )
        ]
        me = await http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert [r.status_code for r in anonymous] == [401, 401]
    assert [r.status_code for r in open_] == [200, 200, 200, 200]
    assert (me.status_code, me.json()["subject"]) == (200, "ci")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=300).filter(lambda t: "\n" not in t and "\r" not in t))
async def test_fuzzed_tokens_never_reach_a_handler(host: ServiceHost, raw: str) -> None:
    printable = "".join(c for c in raw if " " <= c <= "~")
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
                version_pb2.GetVersionRequest(),
                metadata=[("authorization", f"Bearer {printable}")],
            )
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_the_project_policy_limits_a_client_to_its_projects(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("ci-password")
    auth = AuthSettings(
        enabled=True,
        public_url=PUBLIC,
        project_policy=True,
        issuer_server=IssuerSettings(
            signing_keys_dir=str(tmp_path / "keys"),
            clients=[
                RegisteredClient(
                    client_id="ci", secret_file=str(tmp_path / "secret"), projects=["mine"]
                )
            ],
        ),
    )
    async with testkit.serve_admin_with_auth(auth, tmp_path) as served:
        token = await _access_token(served)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{served.grpc_port}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await admin_pb2_grpc.AdminServiceStub(channel).GetProject(
                    project_pb2.ProjectGetRequest(id="theirs"),
                    metadata=[("authorization", f"Bearer {token}")],
                )
            version = await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
                version_pb2.GetVersionRequest(), metadata=[("authorization", f"Bearer {token}")]
            )
    assert version.control_plane_version.Version
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED

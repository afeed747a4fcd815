"""TLS on the edge: a second nginx rendered by deploy/local/edge-config with
FLIGHTDECK_EDGE_TLS_CERT/_KEY (a CA and a localhost certificate from deploy/local/tls.py), in
front of the shared services on spare ports; the plaintext edge the other tests use is left
alone. Real flytekit with ``insecure: false`` and ``caCertFilePath`` registers and lists
through it, REST answers over HTTPS, and a cleartext client is refused."""

from __future__ import annotations

import os
import ssl
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
import testkit
from flyteidl.admin import project_pb2, version_pb2
from flyteidl.service import admin_pb2_grpc
from flytekit.clients.friendly import SynchronousFlyteClient
from flytekit.configuration import PlatformConfig
from flytekit.models.common import NamedEntityIdentifier

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
WORKFLOW_MODULE = """
from flytekit import task, workflow


@task
def shout(text: str) -> str:
    return text.upper()


@workflow
def loud(text: str = "tls") -> str:
    return shout(text=text)
"""


@dataclass(frozen=True)
class TlsEdge:
    grpc_port: int
    http_port: int
    ca_file: Path

    @property
    def endpoint(self) -> str:
        return f"localhost:{self.grpc_port}"


@pytest.fixture(scope="module")
def tls_edge(
    running_system: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TlsEdge]:
    tls = testkit.load_script("local_tls", REPO / "deploy" / "local" / "tls.py")
    ca_file, chain_file, key_file = tls.self_signed(tmp_path_factory.mktemp("tls"))
    grpc_port, http_port = testkit.free_port(), testkit.free_port()
    env = {
        **os.environ,
        "FLIGHTDECK_EDGE_GRPC_PORT": str(grpc_port),
        "FLIGHTDECK_EDGE_HTTP_PORT": str(http_port),
        "FLIGHTDECK_EDGE_TLS_CERT": str(chain_file),
        "FLIGHTDECK_EDGE_TLS_KEY": str(key_file),
    }
    edge = testkit.start_edge(tmp_path_factory.mktemp("tls-edge"), env, grpc_port)
    try:
        yield TlsEdge(grpc_port, http_port, ca_file)
    finally:
        testkit.stop(edge, grace_seconds=15)


@pytest.fixture
def project(edge_grpc_target: str) -> str:
    name = f"tls-{uuid.uuid4().hex[:10]}"
    with grpc.insecure_channel(edge_grpc_target) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=name, name=name))
        )
    return name


def test_flytekit_registers_and_lists_through_the_tls_edge(
    tls_edge: TlsEdge, project: str, tmp_path: Path
) -> None:
    config = (
        "admin:\n"
        f"  endpoint: dns:///{tls_edge.endpoint}\n"
        "  insecure: false\n"
        f"  caCertFilePath: {tls_edge.ca_file}\n"
    )
    testkit.pyflyte_register(tmp_path, config, project, "tlsflows", WORKFLOW_MODULE)

    client = SynchronousFlyteClient(
        PlatformConfig(
            endpoint=tls_edge.endpoint, insecure=False, ca_cert_file_path=str(tls_edge.ca_file)
        )
    )
    workflows, _ = client.list_workflows_paginated(
        NamedEntityIdentifier(project, "development", "tlsflows.flows.loud"), limit=10
    )
    assert [w.id.version for w in workflows] == ["v1"]
    testkit.collect_client_sockets()


def test_rest_answers_over_https_and_cleartext_is_refused(tls_edge: TlsEdge) -> None:
    verified = ssl.create_default_context(cafile=str(tls_edge.ca_file))
    answer = httpx.get(
        f"https://localhost:{tls_edge.http_port}/api/v1/version", verify=verified, timeout=10
    )
    assert answer.status_code == 200
    assert answer.json()["controlPlaneVersion"]["Version"]
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(f"https://localhost:{tls_edge.http_port}/api/v1/version", timeout=10)
    cleartext = httpx.get(f"http://localhost:{tls_edge.http_port}/api/v1/version", timeout=10)
    assert cleartext.status_code == 400  # nginx: "plain HTTP request was sent to HTTPS port"
    with (
        grpc.insecure_channel(f"127.0.0.1:{tls_edge.grpc_port}") as channel,
        pytest.raises(grpc.RpcError) as refused,
    ):
        admin_pb2_grpc.AdminServiceStub(channel).GetVersion(
            version_pb2.GetVersionRequest(), timeout=5
        )
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE

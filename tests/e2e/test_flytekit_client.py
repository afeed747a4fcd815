"""Real flytekit against the edge: one endpoint, no auth flow, our statuses read as intended."""

from __future__ import annotations

import uuid

import grpc
import httpx
import pytest
from flyteidl.admin.project_pb2 import ProjectListRequest
from flyteidl.service import identity_pb2, identity_pb2_grpc
from flytekit.clients.friendly import SynchronousFlyteClient
from flytekit.configuration import PlatformConfig
from flytekit.exceptions.system import FlyteSystemException
from flytekit.models.project import Project
from prometheus_client.parser import text_string_to_metric_families

pytestmark = [pytest.mark.integration, pytest.mark.e2e]


def _auth_metadata_calls(edge_http_url: str) -> float:
    metrics = httpx.get(f"{edge_http_url}/metrics").text
    return sum(
        sample.value
        for family in text_string_to_metric_families(metrics)
        for sample in family.samples
        if sample.name == "grpc_server_started_total"
        and sample.labels["grpc_service"] == "flyteidl.service.AuthMetadataService"
    )


def test_flytekit_sees_unimplemented_without_starting_a_login(
    edge_grpc_target: str, edge_http_url: str
) -> None:
    before = _auth_metadata_calls(edge_http_url)
    client = SynchronousFlyteClient(PlatformConfig(endpoint=edge_grpc_target, insecure=True))
    # flytekit's own client serves no unbuilt method any more; its channel (with the auth and
    # error interceptors) carries a call to one.
    identity = identity_pb2_grpc.IdentityServiceStub(client._channel)
    with pytest.raises(FlyteSystemException) as raised:
        identity.UserInfo(identity_pb2.UserInfoRequest())
    cause = raised.value.__cause__
    assert isinstance(cause, grpc.RpcError)
    assert cause.code() is grpc.StatusCode.UNIMPLEMENTED
    assert "IdentityService/UserInfo" in cause.details()
    assert _auth_metadata_calls(edge_http_url) == before


def test_flytekit_registers_and_lists_projects(edge_grpc_target: str) -> None:
    client = SynchronousFlyteClient(PlatformConfig(endpoint=edge_grpc_target, insecure=True))
    project_id = f"fk-{uuid.uuid4().hex[:10]}"
    client.register_project(Project(project_id, "from flytekit", "registered by flytekit"))
    only_ours = ProjectListRequest(limit=1000, filters=f"eq(identifier,{project_id})")
    listed = client.list_projects(only_ours)
    assert [(p.id, p.name) for p in listed.projects] == [(project_id, "from flytekit")]
    assert [d.id for d in listed.projects[0].domains] == ["development", "staging", "production"]

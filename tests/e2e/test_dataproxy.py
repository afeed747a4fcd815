"""The data proxy through the edge: DataProxyService over gRPC and REST, and its signed URLs
served under /flightdeck/storage/ — every refusal a 4xx that leaves the store untouched."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import socket
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import httpx
import pytest
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc
from google.protobuf import duration_pb2

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
STORE_ROOT = (REPO / "var" / "storage").resolve()
OVER_THE_LIMIT = 6 << 30
"""More than the running data proxy's default upload limit (5 GiB), declared, never sent."""


@pytest.fixture
async def proxy(edge_grpc_target: str) -> AsyncIterator[dataproxy_pb2_grpc.DataProxyServiceStub]:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        yield dataproxy_pb2_grpc.DataProxyServiceStub(channel)


@pytest.fixture
async def http(edge_http_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=edge_http_url, timeout=60) as client:
        yield client


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def stored_path(native_url: str) -> Path:
    assert native_url.startswith(f"file://{STORE_ROOT}/"), native_url
    return Path(native_url.removeprefix("file://"))


async def upload_location(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, data: bytes, seconds: int = 0
) -> dataproxy_pb2.CreateUploadLocationResponse:
    request = dataproxy_pb2.CreateUploadLocationRequest(
        project=f"dp-{uuid.uuid4().hex[:8]}",
        domain="development",
        filename=f"{uuid.uuid4().hex}.bin",
        content_md5=md5(data),
    )
    if seconds:
        request.expires_in.CopyFrom(duration_pb2.Duration(seconds=seconds))
    return await proxy.CreateUploadLocation(request)


async def test_upload_then_download_through_the_edge(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, http: httpx.AsyncClient, edge_http_url: str
) -> None:
    data = b"through the edge " * 10_000
    location = await upload_location(proxy, data)
    assert location.signed_url.startswith(f"{edge_http_url}/flightdeck/storage/")
    put = await http.put(location.signed_url, content=data, headers=dict(location.headers))
    assert put.status_code == 200, put.text
    assert stored_path(location.native_url).read_bytes() == data
    download = await proxy.CreateDownloadLocation(
        dataproxy_pb2.CreateDownloadLocationRequest(native_url=location.native_url)
    )
    got = await http.get(download.signed_url)
    assert (got.status_code, got.content) == (200, data)


async def test_rest_routes_through_the_edge(http: httpx.AsyncClient) -> None:
    data = b"rest"
    created = await http.post(
        "/api/v1/dataproxy/artifact_urn",
        json={
            "project": "dp-rest",
            "domain": "development",
            "content_md5": base64.b64encode(md5(data)).decode(),
        },
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert set(body) == {"signedUrl", "nativeUrl", "expiresAt", "headers"}
    assert (await http.put(body["signedUrl"], content=data, headers=body["headers"])).is_success
    located = await http.get(
        "/api/v1/dataproxy/artifact_urn", params={"native_url": body["nativeUrl"]}
    )
    assert located.status_code == 200, located.text
    assert (await http.get(located.json()["signedUrl"])).content == data
    link = await http.post(
        "/api/v1/dataproxy/artifact_link",
        json={
            "artifact_type": "ARTIFACT_TYPE_DECK",
            "node_execution_id": {
                "node_id": "n0",
                "execution_id": {"project": "p", "domain": "d", "name": "e"},
            },
        },
    )
    assert link.status_code == 400, link.text
    data_answer = await http.get("/api/v1/data", params={"flyte_url": "flyte://v1/p/d/e/n0/o"})
    assert data_answer.status_code == 404, data_answer.text


async def test_tampered_expired_and_wrong_md5_uploads_write_nothing(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, http: httpx.AsyncClient
) -> None:
    data = b"guarded"
    location = await upload_location(proxy, data)
    short_lived = await upload_location(proxy, data, seconds=1)
    headers = dict(location.headers)
    signature = location.signed_url.rsplit("fd-signature=", 1)[1]
    tampered = location.signed_url.replace(signature, signature[::-1])
    assert (await http.put(tampered, content=data, headers=headers)).status_code == 403
    wrong_body = await http.put(location.signed_url, content=b"not it", headers=headers)
    assert wrong_body.status_code == 400
    assert wrong_body.json()["code"] == "BadDigest"
    await asyncio.sleep(2.2)
    late = await http.put(short_lived.signed_url, content=data, headers=dict(short_lived.headers))
    assert late.status_code == 403
    assert not stored_path(location.native_url).exists()
    assert not stored_path(short_lived.native_url).exists()


def _raw_request(port: int, head: str, body: bytes = b"") -> str:
    """Sends the request line and headers exactly as written; returns the status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(head.encode() + body)
        return connection.recv(65_536).decode(errors="replace").split("\r\n", 1)[0]


@pytest.mark.parametrize(
    "prefix",
    [
        "/flightdeck/storage/../../",
        "/flightdeck/storage/%2e%2e/%2e%2e/%2e%2e/",
        "/flightdeck/storage/p/%2E%2E%2F%2E%2E%2F%2E%2E%2F",
        "/flightdeck/storage/.flightdeck/tmp/",
    ],
)
async def test_paths_outside_the_store_write_nothing(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, running_system: dict[str, str], prefix: str
) -> None:
    location = await upload_location(proxy, b"x")
    name = f"outside-{uuid.uuid4().hex}"
    head = (
        f"PUT {prefix}{name}?{urlsplit(location.signed_url).query} HTTP/1.1\r\n"
        f"Host: 127.0.0.1\r\nContent-MD5: {location.headers['Content-MD5']}\r\n"
        "Content-Length: 1\r\nConnection: close\r\n\r\n"
    )
    port = int(running_system["FLIGHTDECK_EDGE_HTTP_PORT"])
    status = await asyncio.to_thread(_raw_request, port, head, b"x")
    assert status.split()[1].startswith("4"), status
    for folder in (REPO, REPO / "var", STORE_ROOT, STORE_ROOT / ".flightdeck" / "tmp"):
        assert not (folder / name).exists()


async def test_an_oversize_upload_is_refused_before_its_body(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, running_system: dict[str, str]
) -> None:
    location = await upload_location(proxy, b"x")
    parts = urlsplit(location.signed_url)
    head = (
        f"PUT {parts.path}?{parts.query} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-MD5: {location.headers['Content-MD5']}\r\n"
        f"Content-Length: {OVER_THE_LIMIT}\r\nConnection: close\r\n\r\n"
    )
    port = int(running_system["FLIGHTDECK_EDGE_HTTP_PORT"])
    status = await asyncio.to_thread(_raw_request, port, head, b"x" * 1024)
    assert status.split()[1] == "413", status
    assert not stored_path(location.native_url).exists()


async def test_concurrent_uploads_of_one_object_through_the_edge(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, http: httpx.AsyncClient
) -> None:
    data = bytes(range(256)) * 4096
    location = await upload_location(proxy, data)
    answers = await asyncio.gather(
        *(
            http.put(location.signed_url, content=data, headers=dict(location.headers))
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [200] * 8
    assert stored_path(location.native_url).read_bytes() == data


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("flyte://v1/p/d/e/n0/i", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/o", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/i/x", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/o/o0", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/1/i", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/1/o/o0", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/d", grpc.StatusCode.INVALID_ARGUMENT),
        ("flyte://v1/p/d/e/n0/1/d", grpc.StatusCode.INVALID_ARGUMENT),
        ("flyte://v1/p/d/e/n0/q", grpc.StatusCode.INVALID_ARGUMENT),
        ("flyte://v1/p/d/e/i", grpc.StatusCode.INVALID_ARGUMENT),
        ("https://v1/p/d/e/n0/i", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_get_data_answers_through_the_edge(
    proxy: dataproxy_pb2_grpc.DataProxyServiceStub, url: str, code: grpc.StatusCode
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await proxy.GetData(dataproxy_pb2.GetDataRequest(flyte_url=url))
    assert raised.value.code() == code

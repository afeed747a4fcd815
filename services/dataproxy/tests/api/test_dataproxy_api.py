"""The data proxy as served: gRPC, REST and the signed-URL endpoint of a real host on free
ports, over a local store in a temporary directory."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import grpc
import httpx
import pytest
from flyteidl.core import identifier_pb2
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc
from google.protobuf import duration_pb2

from flightdeck_dataproxy.server import build_host, open_object_store
from flightdeck_dataproxy.settings import DataProxySettings, UploadSettings
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings
from flightdeck_storage import LocalObjectStore, SigningConfig, StorageConfig

MAX_UPLOAD = 1 << 20


@dataclass
class Served:
    host: ServiceHost
    store: LocalObjectStore
    stub: dataproxy_pb2_grpc.DataProxyServiceStub
    http: httpx.AsyncClient

    def files(self) -> list[str]:
        """Every file under the store root, temporary ones included."""
        root = self.store.root
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
async def served(
    tmp_path: Path, free_port: int, admin_channel: grpc.aio.Channel
) -> AsyncIterator[Served]:
    settings = DataProxySettings(
        server=ServerSettings(grpc_port=0, http_port=free_port),
        storage=StorageConfig(
            local_root=tmp_path / "store",
            public_url=f"http://127.0.0.1:{free_port}",
            signing=SigningConfig(secret="s" * 32, key_file=tmp_path / "unused.key"),
        ),
        upload=UploadSettings(max_bytes=MAX_UPLOAD),
    )
    store, routes = await open_object_store(settings)
    assert isinstance(store, LocalObjectStore)
    host = build_host(settings, store, routes, admin_channel)
    await host.start()
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client,
        ):
            yield Served(host, store, dataproxy_pb2_grpc.DataProxyServiceStub(channel), client)
    finally:
        await host.stop()
        await store.close()


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


async def upload_location(
    served: Served, data: bytes, seconds: int = 0, **fields: str
) -> dataproxy_pb2.CreateUploadLocationResponse:
    request = dataproxy_pb2.CreateUploadLocationRequest(
        project="p", domain="development", content_md5=md5(data), **fields
    )
    if seconds:
        request.expires_in.CopyFrom(duration_pb2.Duration(seconds=seconds))
    return await served.stub.CreateUploadLocation(request)


async def failure(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_upload_then_download_over_grpc_and_signed_urls(served: Served) -> None:
    data = b"archive bytes" * 1000
    location = await upload_location(served, data, filename="fast.tar.gz")
    assert location.headers["Content-MD5"] == base64.b64encode(md5(data)).decode()
    put = await served.http.put(location.signed_url, content=data, headers=dict(location.headers))
    assert put.status_code == 200
    key = served.store.key_of(location.native_url)
    assert await served.store.read(key) == data
    download = await served.stub.CreateDownloadLocation(
        dataproxy_pb2.CreateDownloadLocationRequest(native_url=location.native_url)
    )
    got = await served.http.get(download.signed_url)
    assert (got.status_code, got.content) == (200, data)
    head = await served.http.head(download.signed_url)
    assert (head.status_code, head.headers["content-length"]) == (200, str(len(data)))


async def test_create_upload_location_errors(served: Served) -> None:
    no_md5 = dataproxy_pb2.CreateUploadLocationRequest(project="p", domain="d", filename="f")
    assert (await failure(served.stub.CreateUploadLocation(no_md5))).code() == (
        grpc.StatusCode.INVALID_ARGUMENT
    )
    no_project = dataproxy_pb2.CreateUploadLocationRequest(domain="d", content_md5=md5(b"x"))
    missing = await failure(served.stub.CreateUploadLocation(no_project))
    assert (missing.code(), missing.details()) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "missing project",
    )
    too_long = await failure(upload_location(served, b"x", seconds=7200))
    assert too_long.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "expires_in" in too_long.details()
    await served.store.write("p/development/root/f.txt", b"first")
    conflict = await failure(
        upload_location(served, b"second", filename="f.txt", filename_root="root")
    )
    assert conflict.code() == grpc.StatusCode.ALREADY_EXISTS
    same = await upload_location(served, b"first", filename="f.txt", filename_root="root")
    assert same.native_url.endswith("/p/development/root/f.txt")


async def test_download_link_and_location_errors(served: Served) -> None:
    foreign = await failure(
        served.stub.CreateDownloadLocation(
            dataproxy_pb2.CreateDownloadLocationRequest(native_url="s3://elsewhere/a")
        )
    )
    assert foreign.code() == grpc.StatusCode.INVALID_ARGUMENT
    node = identifier_pb2.NodeExecutionIdentifier(
        node_id="n0",
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e"),
    )
    for request in (
        dataproxy_pb2.CreateDownloadLinkRequest(node_execution_id=node),
        dataproxy_pb2.CreateDownloadLinkRequest(artifact_type=dataproxy_pb2.ARTIFACT_TYPE_DECK),
        dataproxy_pb2.CreateDownloadLinkRequest(
            artifact_type=dataproxy_pb2.ARTIFACT_TYPE_DECK, node_execution_id=node
        ),
    ):
        refused = await failure(served.stub.CreateDownloadLink(request))
        assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT, request


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("flyte://v1/p/d/e/n0/i", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/o", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/o/o0", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/2/i", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/2/o/o0", grpc.StatusCode.NOT_FOUND),
        ("flyte://v1/p/d/e/n0/d", grpc.StatusCode.INVALID_ARGUMENT),
        ("flyte://v1/p/d/e/n0/2/d", grpc.StatusCode.INVALID_ARGUMENT),
        ("flyte://v1/p/d/e/n0/x", grpc.StatusCode.INVALID_ARGUMENT),
        ("s3://bucket/key", grpc.StatusCode.INVALID_ARGUMENT),
        ("", grpc.StatusCode.INVALID_ARGUMENT),
    ],
)
async def test_get_data_without_recorded_executions(
    served: Served, url: str, code: grpc.StatusCode
) -> None:
    refused = await failure(served.stub.GetData(dataproxy_pb2.GetDataRequest(flyte_url=url)))
    assert refused.code() == code


async def test_the_rest_routes_of_all_four_methods(served: Served) -> None:
    data = b"over REST"
    created = await served.http.post(
        "/api/v1/dataproxy/artifact_urn",
        json={
            "project": "p",
            "domain": "development",
            "filename": "r.txt",
            "content_md5": base64.b64encode(md5(data)).decode(),
            "expires_in": "600s",
        },
    )
    assert created.status_code == 200, created.text
    body = created.json()
    assert body["nativeUrl"].endswith(
        "/p/development/" + base64.b32encode(md5(data)).decode() + "/r.txt"
    )
    put = await served.http.put(body["signedUrl"], content=data, headers=body["headers"])
    assert put.status_code == 200
    located = await served.http.get(
        "/api/v1/dataproxy/artifact_urn",
        params={"native_url": body["nativeUrl"], "expires_in": "60s"},
    )
    assert located.status_code == 200, located.text
    assert (await served.http.get(located.json()["signedUrl"])).content == data
    link = await served.http.post(
        "/api/v1/dataproxy/artifact_link",
        json={
            "artifact_type": "ARTIFACT_TYPE_DECK",
            "node_execution_id": {
                "node_id": "n0",
                "execution_id": {"project": "p", "domain": "d", "name": "e"},
            },
        },
    )
    assert link.status_code == 400
    unknown = await served.http.get("/api/v1/data", params={"flyte_url": "flyte://v1/p/d/e/n0/i"})
    malformed = await served.http.get("/api/v1/data", params={"flyte_url": "flyte://v1/p"})
    assert (unknown.status_code, malformed.status_code) == (404, 400)


# --- the signed-URL endpoint refuses, and writes nothing ---------------------------------


async def test_tampered_urls_are_refused(served: Served) -> None:
    data = b"content"
    location = await upload_location(served, data, filename="f")
    headers = dict(location.headers)
    signature = location.signed_url.rsplit("fd-signature=", 1)[1]
    forged = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    attempts = [
        location.signed_url.replace(signature, forged),
        location.signed_url.replace("/f?", "/g?"),
        location.signed_url.replace("fd-expires=", "fd-expires=1"),
        location.signed_url.split("?")[0],
    ]
    for url in attempts:
        refused = await served.http.put(url, content=data, headers=headers)
        assert refused.status_code == 403, url
        assert refused.json()["code"] == "SignatureDoesNotMatch"
    assert served.files() == []


async def test_expired_urls_are_refused(served: Served) -> None:
    location = await upload_location(served, b"late", seconds=1, filename="f")
    await asyncio.sleep(2.2)
    refused = await served.http.put(
        location.signed_url, content=b"late", headers=dict(location.headers)
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "AccessDenied")
    assert served.files() == []


async def test_a_body_that_does_not_match_the_signed_md5_is_refused(served: Served) -> None:
    location = await upload_location(served, b"expected", filename="f")
    wrong_body = await served.http.put(
        location.signed_url, content=b"tampered", headers=dict(location.headers)
    )
    assert (wrong_body.status_code, wrong_body.json()["code"]) == (400, "BadDigest")
    other_md5 = await served.http.put(
        location.signed_url,
        content=b"tampered",
        headers={"Content-MD5": base64.b64encode(md5(b"tampered")).decode()},
    )
    no_md5 = await served.http.put(location.signed_url, content=b"expected")
    assert other_md5.status_code == no_md5.status_code == 403
    bad_header = await served.http.put(
        location.signed_url, content=b"expected", headers={"Content-MD5": "???"}
    )
    assert bad_header.status_code == 403
    assert served.files() == []


def _raw_put(port: int, path: str, body: bytes) -> tuple[int, bytes]:
    """http.client sends the path exactly as given: no dot-segment clean-up."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("PUT", path, body=body, headers={"Content-MD5": "x"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    "path",
    [
        "/flightdeck/storage/../../outside",
        "/flightdeck/storage/p/../../../outside",
        "/flightdeck/storage/%2e%2e/%2e%2e/outside",
        "/flightdeck/storage/p/%2E%2E%2F%2E%2E%2Foutside",
        "/flightdeck/storage/p/..%5C..%5Coutside",
        "/flightdeck/storage//etc/passwd",
        "/flightdeck/storage/.flightdeck/tmp/x",
    ],
)
async def test_paths_outside_the_store_are_refused(
    served: Served, path: str, tmp_path: Path
) -> None:
    location = await upload_location(served, b"x", filename="f")
    query = urlsplit(location.signed_url).query
    status, body = await asyncio.to_thread(_raw_put, served.host.http_port, f"{path}?{query}", b"x")
    assert 400 <= status < 500, body
    assert served.files() == []
    assert not (tmp_path / "outside").exists()


async def test_the_store_will_not_follow_a_symlink_out(served: Served, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (served.store.root / "p").mkdir()
    (served.store.root / "p" / "link").symlink_to(outside)
    refused = await failure(
        served.stub.CreateDownloadLocation(
            dataproxy_pb2.CreateDownloadLocationRequest(
                native_url=f"file://{served.store.root}/p/link/secret"
            )
        )
    )
    assert refused.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert list(outside.iterdir()) == []


async def test_oversize_uploads_are_refused(served: Served) -> None:
    big = b"x" * (MAX_UPLOAD + 1)
    location = await upload_location(served, big, filename="big")
    declared = await served.http.put(
        location.signed_url, content=big, headers=dict(location.headers)
    )
    assert (declared.status_code, declared.json()["code"]) == (413, "EntityTooLarge")

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 65_536):
            yield big[start : start + 65_536]

    chunked = await served.http.put(
        location.signed_url, content=streamed(), headers=dict(location.headers)
    )
    assert chunked.status_code == 413
    assert served.files() == []


async def test_concurrent_uploads_of_one_object(served: Served) -> None:
    data = bytes(range(256)) * 3000
    location = await upload_location(served, data, filename="same.bin")
    answers = await asyncio.gather(
        *(
            served.http.put(location.signed_url, content=data, headers=dict(location.headers))
            for _ in range(8)
        )
    )
    assert [a.status_code for a in answers] == [200] * 8
    key = served.store.key_of(location.native_url)
    assert served.files() == [key]
    assert await served.store.read(key) == data

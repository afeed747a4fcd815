"""The data proxy on its S3 backend, against SeaweedFS from ``deploy/local/up s3`` (started here
when it is not running): s3:// native URLs, presigned PUTs bound to Content-MD5 and the
``flytecontentmd5`` metadata, and the deterministic-path check read back from S3."""

from __future__ import annotations

import base64
import hashlib
import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import httpx
import pytest
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc

from flightdeck_dataproxy.server import build_host, open_object_store
from flightdeck_dataproxy.settings import DataProxySettings
from flightdeck_platform.settings import ServerSettings
from flightdeck_storage import S3Config, S3ObjectStore, StorageConfig

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[4]
S3_PORT = int(os.environ.get("FLIGHTDECK_S3_PORT", "18333"))
ACCESS_KEY = os.environ.get("FLIGHTDECK_S3_ACCESS_KEY", "flightdeck")
SECRET_KEY = os.environ.get("FLIGHTDECK_S3_SECRET_KEY", "flightdeck-local-secret")


def _ensure_seaweedfs() -> None:
    try:
        socket.create_connection(("127.0.0.1", S3_PORT), timeout=1).close()
        return
    except OSError:
        pass
    started = subprocess.run(
        [str(REPO / "deploy/local/up"), "s3"],
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if started.returncode != 0:
        pytest.fail(f"deploy/local/up s3 failed:\n{started.stdout}\n{started.stderr}")


@pytest.fixture
async def stub(
    admin_channel: grpc.aio.Channel,
) -> AsyncIterator[dataproxy_pb2_grpc.DataProxyServiceStub]:
    _ensure_seaweedfs()
    settings = DataProxySettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        storage=StorageConfig(
            backend="s3",
            s3=S3Config(
                bucket=f"dataproxy-{uuid.uuid4().hex[:12]}",
                endpoint_url=f"http://127.0.0.1:{S3_PORT}",
                access_key_id=ACCESS_KEY,
                secret_access_key=SECRET_KEY,
                create_bucket=True,
            ),
        ),
    )
    store, routes = await open_object_store(settings)
    assert isinstance(store, S3ObjectStore)
    assert routes == []
    host = build_host(settings, store, routes, admin_channel)
    await host.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
            yield dataproxy_pb2_grpc.DataProxyServiceStub(channel)
    finally:
        await host.stop()
        async for item in store.list():
            await store.delete(item.key)
        await store.delete_bucket()
        await store.close()


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


async def test_flytekit_style_upload_to_s3(stub: dataproxy_pb2_grpc.DataProxyServiceStub) -> None:
    data = b"fast archive on s3" * 500
    location = await stub.CreateUploadLocation(
        dataproxy_pb2.CreateUploadLocationRequest(
            project="p",
            domain="development",
            filename="fast.tar.gz",
            content_md5=md5(data),
            add_content_md5_metadata=True,
        )
    )
    directory = base64.b32encode(md5(data)).decode()
    assert location.native_url.endswith(f"/p/development/{directory}/fast.tar.gz")
    assert location.native_url.startswith("s3://dataproxy-")
    assert set(location.headers) == {"Content-MD5", "x-amz-meta-flytecontentmd5"}
    async with httpx.AsyncClient() as http:
        without_metadata = await http.put(
            location.signed_url,
            content=data,
            headers={"Content-MD5": location.headers["Content-MD5"]},
        )
        assert without_metadata.status_code == 403
        put = await http.put(location.signed_url, content=data, headers=dict(location.headers))
        assert put.status_code == 200, put.text
        download = await stub.CreateDownloadLocation(
            dataproxy_pb2.CreateDownloadLocationRequest(native_url=location.native_url)
        )
        assert (await http.get(download.signed_url)).content == data


async def test_a_deterministic_s3_path_with_other_content_already_exists(
    stub: dataproxy_pb2_grpc.DataProxyServiceStub,
) -> None:
    def request(data: bytes) -> dataproxy_pb2.CreateUploadLocationRequest:
        return dataproxy_pb2.CreateUploadLocationRequest(
            project="p", domain="d", filename="f", filename_root="grp", content_md5=md5(data)
        )

    location = await stub.CreateUploadLocation(request(b"first"))
    async with httpx.AsyncClient() as http:
        put = await http.put(location.signed_url, content=b"first", headers=dict(location.headers))
        assert put.status_code == 200
    again = await stub.CreateUploadLocation(request(b"first"))
    assert again.native_url == location.native_url
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await stub.CreateUploadLocation(request(b"second"))
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS

"""The backends the contract suite runs against: the local directory (with its signed-URL
endpoint served over real HTTP) and a real S3-compatible server, SeaweedFS from
``deploy/local/up s3``, started here when it is not already running."""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings
from flightdeck_storage import LocalObjectStore, ObjectStore, S3ObjectStore, SigningKey, UrlSigner
from flightdeck_storage.endpoint import SignedUrlEndpoint

REPO = Path(__file__).resolve().parents[4]
S3_PORT = int(os.environ.get("FLIGHTDECK_S3_PORT", "18333"))
S3_ACCESS_KEY = os.environ.get("FLIGHTDECK_S3_ACCESS_KEY", "flightdeck")
S3_SECRET_KEY = os.environ.get("FLIGHTDECK_S3_SECRET_KEY", "flightdeck-local-secret")
S3_START_TIMEOUT_SECONDS = 1800
"""The first start builds SeaweedFS from source."""


def _listening(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    """SeaweedFS's S3 gateway; a failure to start it fails the tests, never skips them."""
    if not _listening(S3_PORT):
        started = subprocess.run(
            [str(REPO / "deploy/local/up"), "s3"],
            capture_output=True,
            text=True,
            timeout=S3_START_TIMEOUT_SECONDS,
            check=False,
        )
        if started.returncode != 0:
            pytest.fail(f"deploy/local/up s3 failed:\n{started.stdout}\n{started.stderr}")
    return f"http://127.0.0.1:{S3_PORT}"


async def _local_store(tmp_path: Path) -> AsyncIterator[ObjectStore]:
    port = _free_port()
    signer = UrlSigner(SigningKey(uuid.uuid4().bytes * 2))
    store = LocalObjectStore(tmp_path / "store", signer, f"http://127.0.0.1:{port}")
    endpoint = SignedUrlEndpoint(store, signer, max_upload_bytes=64 << 20)
    host = ServiceHost(
        name="storage-contract",
        settings=ServerSettings(http_port=port),
        extra_routes=endpoint.routes(),
    )
    await host.start()
    try:
        yield store
    finally:
        await host.stop()


async def _s3_store(endpoint: str) -> AsyncIterator[ObjectStore]:
    store = await S3ObjectStore.connect(
        f"contract-{uuid.uuid4().hex[:12]}",
        endpoint_url=endpoint,
        access_key_id=S3_ACCESS_KEY,
        secret_access_key=S3_SECRET_KEY,
    )
    await store.create_bucket()
    try:
        yield store
    finally:
        async for item in store.list():
            await store.delete(item.key)
        await store.delete_bucket()
        await store.close()


@pytest.fixture(params=["local", pytest.param("s3", marks=pytest.mark.integration)])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ObjectStore]:
    if request.param == "local":
        async for local in _local_store(tmp_path):
            yield local
    else:
        endpoint = request.getfixturevalue("s3_endpoint")
        async for s3 in _s3_store(endpoint):
            yield s3

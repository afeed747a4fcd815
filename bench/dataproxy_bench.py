"""Data proxy throughput through the edge, next to what this machine does without it.

Needs the edge (``deploy/local/up``); starts the data proxy process the way ``make run`` does
when it is not already answering, and stops it afterwards. Loopback only, bounded:

* signed-URL issue rate: ``CreateUploadLocation`` over gRPC through the edge, ``CONCURRENCY``
  calls in flight, at most ``SIGN_CALLS`` calls or ``PHASE_CAP_SECONDS``; beside it the same
  signing done in-process (the HMAC alone), as a ratio;
* upload and download MB/s of one ``TRANSFER_MIB`` MiB object through the edge's
  ``/flightdeck/storage/`` (streamed from and to a file, MD5 checked), each the median of
  ``REPEATS`` runs, as ratios to a raw local file copy of the same file in the same run.

Prints a table and writes ``bench/results/dataproxy.json``.
Usage: ``uv run python bench/dataproxy_bench.py``.
"""

from __future__ import annotations

import asyncio
import hashlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType

import grpc
import httpx
from flyteidl.service import dataproxy_pb2, dataproxy_pb2_grpc
from measuring import capped_throughput

from flightdeck_storage import LocalObjectStore, SigningKey, UrlSigner

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "dataproxy.json"
STORE_ROOT = REPO / "var" / "storage"
SIGN_CALLS = 3000
CONCURRENCY = 16
PHASE_CAP_SECONDS = 10.0
TRANSFER_MIB = 128
REPEATS = 3
CHUNK = 1 << 20


def _launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "local_services", REPO / "deploy/local/services.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _ensure_dataproxy(launcher: ModuleType) -> subprocess.Popen[bytes] | None:
    service = next(s for s in launcher.SERVICES if s.name == "dataproxy")
    if launcher.answers(launcher.http_url(service, "/readyz")) == 200:
        return None
    log = (REPO / "var" / "log" / "bench-dataproxy.log").open("wb")
    process = launcher.start(service, "json", log.fileno())
    launcher.wait_ready((service,), {service.name: process})
    return process


def _request(md5: bytes) -> dataproxy_pb2.CreateUploadLocationRequest:
    return dataproxy_pb2.CreateUploadLocationRequest(
        project="bench", domain="development", filename="bench.bin", content_md5=md5
    )


async def _issue_rate(edge_grpc: str) -> tuple[int, float]:
    md5s = [hashlib.md5(str(i).encode()).digest() for i in range(SIGN_CALLS)]
    async with grpc.aio.insecure_channel(edge_grpc) as channel:
        stub = dataproxy_pb2_grpc.DataProxyServiceStub(channel)
        for md5 in md5s[:100]:
            await stub.CreateUploadLocation(_request(md5))
        return await capped_throughput(
            SIGN_CALLS,
            lambda i: stub.CreateUploadLocation(_request(md5s[i])),
            CONCURRENCY,
            PHASE_CAP_SECONDS,
        )


async def _in_process_rate(scratch: Path) -> tuple[int, float]:
    store = LocalObjectStore(scratch / "sign-store", UrlSigner(SigningKey(b"b" * 32)), "http://e")
    md5 = hashlib.md5(b"x").digest()
    started = time.perf_counter()
    for i in range(SIGN_CALLS):
        await store.sign_upload(f"bench/development/x/{i}", md5, timedelta(hours=1))
    return SIGN_CALLS, time.perf_counter() - started


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while block := source.read(CHUNK):
            yield block


def _upload(edge_grpc: str, source: Path, md5: bytes) -> tuple[float, str]:
    with grpc.insecure_channel(edge_grpc) as channel:
        stub = dataproxy_pb2_grpc.DataProxyServiceStub(channel)
        request = _request(md5)
        request.filename = f"bench-{uuid.uuid4().hex}.bin"
        location = stub.CreateUploadLocation(request)
    headers = {**location.headers, "Content-Length": str(source.stat().st_size)}
    started = time.perf_counter()
    with httpx.Client(timeout=600) as http:
        answer = http.put(location.signed_url, content=_chunks(source), headers=headers)
    elapsed = time.perf_counter() - started
    answer.raise_for_status()
    return elapsed, location.native_url


def _download(edge_grpc: str, native_url: str, target: Path) -> float:
    with grpc.insecure_channel(edge_grpc) as channel:
        stub = dataproxy_pb2_grpc.DataProxyServiceStub(channel)
        signed = stub.CreateDownloadLocation(
            dataproxy_pb2.CreateDownloadLocationRequest(native_url=native_url)
        ).signed_url
    started = time.perf_counter()
    with httpx.Client(timeout=600) as http, http.stream("GET", signed) as answer:
        answer.raise_for_status()
        with target.open("wb") as sink:
            for block in answer.iter_bytes(CHUNK):
                sink.write(block)
    return time.perf_counter() - started


def _copy(source: Path, target: Path) -> float:
    started = time.perf_counter()
    shutil.copyfile(source, target)
    return time.perf_counter() - started


def _mb_per_second(size: int, seconds: float) -> float:
    return round(size / (1 << 20) / seconds, 1)


def _transfers(edge_grpc: str, scratch: Path) -> dict[str, object]:
    source = scratch / "source.bin"
    source.write_bytes(os.urandom(TRANSFER_MIB << 20))
    size = source.stat().st_size
    md5 = hashlib.md5(source.read_bytes()).digest()
    copies, uploads, downloads = [], [], []
    for run in range(REPEATS):
        copies.append(_copy(source, scratch / f"copy-{run}.bin"))
        upload_seconds, native_url = _upload(edge_grpc, source, md5)
        uploads.append(upload_seconds)
        fetched = scratch / f"fetched-{run}.bin"
        downloads.append(_download(edge_grpc, native_url, fetched))
        if hashlib.md5(fetched.read_bytes()).digest() != md5:
            raise RuntimeError("the downloaded object differs from the uploaded one")
        stored = Path(native_url.removeprefix("file://"))
        stored.unlink()
        for path in (fetched, scratch / f"copy-{run}.bin"):
            path.unlink()
    copy_rate = _mb_per_second(size, statistics.median(copies))
    upload_rate = _mb_per_second(size, statistics.median(uploads))
    download_rate = _mb_per_second(size, statistics.median(downloads))
    return {
        "object_mib": TRANSFER_MIB,
        "repeats": REPEATS,
        "raw_copy_mb_per_second": copy_rate,
        "upload_mb_per_second": upload_rate,
        "download_mb_per_second": download_rate,
        "upload_to_copy_ratio": round(upload_rate / copy_rate, 3),
        "download_to_copy_ratio": round(download_rate / copy_rate, 3),
    }


def main() -> None:
    launcher = _launcher()
    ports = launcher.ports()
    edge_grpc = f"127.0.0.1:{ports['FLIGHTDECK_EDGE_GRPC_PORT']}"
    started = _ensure_dataproxy(launcher)
    try:
        with tempfile.TemporaryDirectory(dir=REPO / "var") as scratch_dir:
            scratch = Path(scratch_dir)
            issued, issue_seconds = asyncio.run(_issue_rate(edge_grpc))
            signed, sign_seconds = asyncio.run(_in_process_rate(scratch))
            transfers = _transfers(edge_grpc, scratch)
    finally:
        if started is not None:
            launcher.stop({"dataproxy": started})
    edge_rate = round(issued / issue_seconds, 1)
    in_process = round(signed / sign_seconds, 1)
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "signed_url_issue": {
            "calls": issued,
            "concurrency": CONCURRENCY,
            "seconds": round(issue_seconds, 3),
            "through_edge_per_second": edge_rate,
            "in_process_signing_per_second": in_process,
            "edge_to_in_process_ratio": round(edge_rate / in_process, 4),
        },
        "transfers": transfers,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

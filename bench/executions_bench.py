"""Executions next to raw PyMongo, on this machine, in one run.

Needs the local stack (``deploy/local/up``); starts the admin process the way the end-to-end
tests do unless one already answers. Seeds ``SEEDED`` executions straight into the collection
with the store's own document function, then measures, through the nginx edge:
CreateExecution/s (``CONCURRENCY`` in flight) against raw ``insert_one``/s of the same documents,
and GetExecution p50/p99 against raw ``find_one`` p50/p99 on the seeded collection. Prints a
table and writes ``bench/results/executions.json`` and ``executions.md``. Usage:
``uv run python bench/executions_bench.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import platform
import random
import sys
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from measuring import capped_throughput
from pymongo import AsyncMongoClient

from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.store.documents import now
from flightdeck_admin.store.executions import COLLECTION, document_of

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "executions.json"
SEEDED = 100_000
SEED_BATCH = 2_000
CREATES = 1_000
READS = 2_000
"""Sequential GetExecutions of seeded executions picked at random."""
CONCURRENCY = 8
PHASE_CAP_SECONDS = 60.0
LAUNCH_PLAN = "sample_workflows.wf_simple"


@dataclass
class Phase:
    operation: str
    operations: int
    seconds: float
    ops_per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    baseline: str = ""
    ratio: float | None = None


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _execution(project: str, name: str) -> execution_pb2.Execution:
    execution = execution_pb2.Execution()
    execution.id.project, execution.id.domain, execution.id.name = project, "development", name
    execution.spec.launch_plan.resource_type = identifier_pb2.LAUNCH_PLAN
    execution.spec.launch_plan.name = LAUNCH_PLAN
    execution.spec.labels.values["team"] = "bench"
    execution.closure.created_at.GetCurrentTime()
    execution.closure.workflow_id.name = LAUNCH_PLAN
    return execution


def _document(project: str, name: str) -> dict[str, Any]:
    return document_of(ExecutionRecord(_execution(project, name), "file:///i", "file:///u"), now())


async def _seed(collection: Any, project: str) -> list[str]:
    names = [f"s{n:07d}" for n in range(SEEDED)]
    for start in range(0, SEEDED, SEED_BATCH):
        batch = names[start : start + SEED_BATCH]
        await collection.insert_many([_document(project, name) for name in batch], ordered=False)
    return names


async def _remove(collection: Any, project: str) -> None:
    """In slices: FerretDB on SQLite refuses one delete matching too many rows."""
    while ids := [
        d["_id"] async for d in collection.find({"project": project}, {"_id": 1}).limit(500)
    ]:
        await collection.delete_many({"_id": {"$in": ids}})


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 3)


async def _throughput(name: str, count: int, operation: Any) -> Phase:
    done, elapsed = await capped_throughput(count, operation, CONCURRENCY, PHASE_CAP_SECONDS)
    return Phase(name, done, round(elapsed, 3), round(done / elapsed, 1))


async def _latency(name: str, count: int, operation: Any) -> Phase:
    samples = []
    started = time.perf_counter()
    for i in range(count):
        begun = time.perf_counter()
        await operation(i)
        samples.append(time.perf_counter() - begun)
    elapsed = time.perf_counter() - started
    return Phase(
        name,
        count,
        round(elapsed, 3),
        round(count / elapsed, 1),
        p50_ms=_percentile(samples, 0.5),
        p99_ms=_percentile(samples, 0.99),
    )


def _register(edge: str) -> str:
    fixtures = _load("bench_fixtures", REPO / "tests" / "conftest.py")
    with grpc.insecure_channel(edge) as channel:
        return str(
            fixtures.register_runnable_project(
                admin_pb2_grpc.AdminServiceStub(channel), "bench", LAUNCH_PLAN
            )
        )


def _create_request(project: str) -> execution_pb2.ExecutionCreateRequest:
    request = execution_pb2.ExecutionCreateRequest(project=project, domain="development")
    request.spec.launch_plan.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project=project,
            domain="development",
            name=LAUNCH_PLAN,
            version="v1",
        )
    )
    request.inputs.literals["a"].scalar.primitive.integer = 1
    return request


async def _service_phases(edge: str, project: str, seeded: list[str]) -> list[Phase]:
    request = _create_request(project)
    picks = random.Random(7).choices(seeded, k=READS)
    async with grpc.aio.insecure_channel(edge) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        created = await _throughput(
            "CreateExecution (edge)", CREATES, lambda i: admin.CreateExecution(request)
        )
        read = await _latency(
            "GetExecution (edge)",
            READS,
            lambda i: admin.GetExecution(
                execution_pb2.WorkflowExecutionGetRequest(
                    id=identifier_pb2.WorkflowExecutionIdentifier(
                        project=project, domain="development", name=picks[i]
                    )
                )
            ),
        )
    return [created, read]


async def _raw_phases(collection: Any, project: str, seeded: list[str]) -> list[Phase]:
    picks = random.Random(7).choices(seeded, k=READS)
    inserted = await _throughput(
        "PyMongo insert_one",
        CREATES,
        lambda i: collection.insert_one(_document(project, f"raw{i:06d}")),
    )
    found = await _latency(
        "PyMongo find_one",
        READS,
        lambda i: collection.find_one({"_id": f"{project}/development/{picks[i]}"}),
    )
    return [inserted, found]


def _compare(service: list[Phase], raw: list[Phase]) -> list[Phase]:
    created, read = service
    inserted, found = raw
    created.baseline, created.ratio = (
        inserted.operation,
        round(created.ops_per_second / inserted.ops_per_second, 4),
    )
    assert read.p99_ms is not None and found.p99_ms is not None
    read.baseline, read.ratio = found.operation, round(read.p99_ms / found.p99_ms, 3)
    return [inserted, found, created, read]


def _markdown(phases: list[Phase]) -> str:
    lines = [
        f"Executions with {SEEDED:,} stored ({datetime.now(UTC):%Y-%m-%d}), on FerretDB 1.24 "
        "(SQLite) as deploy/local builds it; ratio: ops/s vs the baseline for writes, p99 vs "
        "the baseline's p99 for reads.",
        "",
        "| operation | ops | ops/s | p50 ms | p99 ms | vs baseline |",
        "|---|---|---|---|---|---|",
    ]
    for p in phases:
        versus = f"{p.ratio} x {p.baseline}" if p.ratio is not None else "(baseline)"
        lines.append(
            f"| {p.operation} | {p.operations} | {p.ops_per_second} | {p.p50_ms or ''} | "
            f"{p.p99_ms or ''} | {versus} |"
        )
    return "\n".join(lines) + "\n"


async def main() -> None:
    launcher = _load("local_services", REPO / "deploy" / "local" / "services.py")
    ports = launcher.ports()
    edge = f"127.0.0.1:{ports['FLIGHTDECK_EDGE_GRPC_PORT']}"
    admin_service = next(s for s in launcher.SERVICES if s.name == "admin")
    processes = {}
    database = "flightdeck"
    if launcher.answers(launcher.http_url(admin_service, "/readyz")) != 200:
        # An admin of its own on a database of its own: dropped afterwards in one step, where
        # removing 100k documents from a shared one takes FerretDB many minutes.
        database = f"bench_executions_{uuid.uuid4().hex[:8]}"
        os.environ["FLIGHTDECK_ADMIN_MONGO__DATABASE"] = database
        processes["admin"] = launcher.start(admin_service, "json", None)
        launcher.wait_ready((admin_service,), processes)
    client: AsyncMongoClient = AsyncMongoClient(
        f"mongodb://127.0.0.1:{ports['FLIGHTDECK_MONGO_PORT']}/", tz_aware=True
    )
    collection = client[database][COLLECTION]
    try:
        project = _register(edge)
        try:
            seeded = await _seed(collection, project)
            raw = await _raw_phases(collection, project, seeded)
            service = await _service_phases(edge, project, seeded)
        finally:
            if not processes:
                await _remove(collection, project)
    finally:
        launcher.stop(processes)
        if processes:
            await client.drop_database(database)
        await client.close()
    phases = _compare(service, raw)
    table = _markdown(phases)
    print(table)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "seeded_executions": SEEDED,
        "concurrency": CONCURRENCY,
        "phase_cap_seconds": PHASE_CAP_SECONDS,
        "phases": [asdict(p) for p in phases],
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    RESULTS.with_suffix(".md").write_text(table)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())

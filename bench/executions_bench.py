"""Executions next to raw PyMongo, on this machine, in one run.

Needs the local stack (``deploy/local/up``); starts the admin process the way the end-to-end
tests do unless one already answers. Seeds ``SEEDED`` executions straight into the collection
with the store's own document function (and ``SMALL_SEEDED`` into a second project), then
measures, through the nginx edge: CreateExecution/s (``CONCURRENCY`` in flight) against raw
``insert_one``/s of the same documents; GetExecution p50/p99 against raw ``find_one``; and
ListExecutions pages (``PAGE`` rows, newest first) against the raw ``find`` of the same shape:
p50 in the small project and in the large one, ops/s with ``CONCURRENCY`` in flight, and page 1
against a page ``KEYSET_DEPTH`` pages deep (reached by following the tokens). Prints a table and
writes ``bench/results/executions.json`` and ``executions.md``. Usage:
``uv run python bench/executions_bench.py``.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from measuring import (
    REPO,
    admin_under_test,
    capped_throughput,
    load_module,
    percentile_ms,
    write_results,
)
from pymongo import DESCENDING, AsyncMongoClient

from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.store.documents import now
from flightdeck_admin.store.executions import COLLECTION, document_of

RESULTS = REPO / "bench" / "results" / "executions.json"
SEEDED = 100_000
SMALL_SEEDED = 1_000
SEED_BATCH = 2_000
CREATES = 1_000
READS = 2_000
"""Sequential GetExecutions of seeded executions picked at random."""
LISTS = 500
"""Sequential ListExecutions per latency phase."""
PAGE = 20
KEYSET_DEPTH = 1_000
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


def _execution(project: str, name: str) -> execution_pb2.Execution:
    execution = execution_pb2.Execution()
    execution.id.project, execution.id.domain, execution.id.name = project, "development", name
    execution.spec.launch_plan.resource_type = identifier_pb2.LAUNCH_PLAN
    execution.spec.launch_plan.name = LAUNCH_PLAN
    execution.spec.labels.values["team"] = "bench"
    execution.closure.created_at.GetCurrentTime()
    execution.closure.workflow_id.name = LAUNCH_PLAN
    return execution


def _document(project: str, name: str, created: datetime | None = None) -> dict[str, Any]:
    record = ExecutionRecord(_execution(project, name), "file:///i", "file:///u")
    return document_of(record, created or now())


async def _seed(collection: Any, project: str, count: int) -> list[str]:
    """One creation per millisecond, ending now: seeding thousands per millisecond would give
    runs of equal ``created_at`` that no launch rate produces, and that a keyset page reads
    through (the ``_id`` tie-breaker is evaluated after the index range)."""
    names = [f"s{n:07d}" for n in range(count)]
    first = now() - timedelta(milliseconds=count)
    for start in range(0, count, SEED_BATCH):
        batch = names[start : start + SEED_BATCH]
        documents = [
            _document(project, name, first + timedelta(milliseconds=start + offset))
            for offset, name in enumerate(batch)
        ]
        await collection.insert_many(documents, ordered=False)
    return names


async def _remove(collection: Any, project: str) -> None:
    """In slices: FerretDB on SQLite refuses one delete matching too many rows."""
    while ids := [
        d["_id"] async for d in collection.find({"project": project}, {"_id": 1}).limit(500)
    ]:
        await collection.delete_many({"_id": {"$in": ids}})


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
        p50_ms=percentile_ms(samples, 0.5),
        p99_ms=percentile_ms(samples, 0.99),
    )


def _register(edge: str, prefix: str) -> str:
    fixtures = load_module("bench_fixtures", REPO / "tests" / "conftest.py")
    with grpc.insecure_channel(edge) as channel:
        return str(
            fixtures.register_runnable_project(
                admin_pb2_grpc.AdminServiceStub(channel), prefix, LAUNCH_PLAN
            )
        )


def _list_request(project: str, token: str = "") -> common_pb2.ResourceListRequest:
    request = common_pb2.ResourceListRequest(limit=PAGE, token=token)
    request.id.project, request.id.domain = project, "development"
    request.sort_by.key, request.sort_by.direction = "created_at", common_pb2.Sort.DESCENDING
    return request


async def _keyset_token(admin: Any, project: str, depth: int) -> str:
    """The token of page ``depth + 1``, reached as a client pages: by following each answer's."""
    token = ""
    for _ in range(depth):
        token = (await admin.ListExecutions(_list_request(project, token))).token
    return token


async def _list_phases(admin: Any, large: str, small: str) -> list[Phase]:
    def listing(project: str, token: str = "") -> Any:
        return lambda i: admin.ListExecutions(_list_request(project, token))

    in_small = await _latency(f"ListExecutions, {SMALL_SEEDED:,} stored", LISTS, listing(small))
    in_large = await _latency(f"ListExecutions, {SEEDED:,} stored", LISTS, listing(large))
    deep = await _keyset_token(admin, large, KEYSET_DEPTH)
    at_depth = await _latency(
        f"ListExecutions, page {KEYSET_DEPTH + 1:,} by token", LISTS, listing(large, deep)
    )
    loaded = await _throughput("ListExecutions (edge)", READS, listing(large))
    in_large.baseline, in_large.ratio = in_small.operation, _p50_ratio(in_large, in_small)
    at_depth.baseline, at_depth.ratio = in_large.operation, _p50_ratio(at_depth, in_large)
    return [in_small, in_large, at_depth, loaded]


def _p50_ratio(measured: Phase, baseline: Phase) -> float:
    assert measured.p50_ms is not None and baseline.p50_ms is not None
    return round(measured.p50_ms / baseline.p50_ms, 3)


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


async def _service_phases(edge: str, project: str, small: str, seeded: list[str]) -> list[Phase]:
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
        listed = await _list_phases(admin, project, small)
    return [created, read, *listed]


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
    page = await _latency("PyMongo find, one page", LISTS, lambda i: _raw_page(collection, project))
    pages = await _throughput(
        "PyMongo find, pages", READS, lambda i: _raw_page(collection, project)
    )
    return [inserted, found, page, pages]


async def _raw_page(collection: Any, project: str) -> list[Any]:
    """The page ListExecutions reads: the project/domain's newest rows, ``_id`` breaking ties."""
    newest = [("created_at", DESCENDING), ("_id", DESCENDING)]
    query = {"project": project, "domain": "development"}
    return await collection.find(query).sort(newest).limit(PAGE + 1).to_list()


def _compare(service: list[Phase], raw: list[Phase]) -> list[Phase]:
    created, read, in_small, in_large, at_depth, loaded = service
    inserted, found, page, pages = raw
    created.baseline, created.ratio = (
        inserted.operation,
        round(created.ops_per_second / inserted.ops_per_second, 4),
    )
    assert read.p99_ms is not None and found.p99_ms is not None
    read.baseline, read.ratio = found.operation, round(read.p99_ms / found.p99_ms, 3)
    in_small.baseline, in_small.ratio = page.operation, _p50_ratio(in_small, page)
    loaded.baseline = pages.operation
    loaded.ratio = round(loaded.ops_per_second / pages.ops_per_second, 4)
    return [inserted, found, page, pages, created, read, in_small, in_large, at_depth, loaded]


def _markdown(phases: list[Phase]) -> str:
    lines = [
        f"Executions with {SEEDED:,} stored ({datetime.now(UTC):%Y-%m-%d}), on FerretDB 1.24 "
        "(SQLite) as deploy/local builds it; ratio: ops/s vs the baseline for throughput "
        "phases, p99 vs the baseline's p99 for GetExecution, p50 vs the baseline's p50 for "
        f"sequential ListExecutions pages ({PAGE} rows, newest first).",
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
    with admin_under_test("executions") as admin:
        client: AsyncMongoClient = AsyncMongoClient(admin.mongo_url, tz_aware=True)
        collection = client[admin.database][COLLECTION]
        try:
            project = _register(admin.edge, "bench")
            small = _register(admin.edge, "bench-small")
            try:
                seeded = await _seed(collection, project, SEEDED)
                await _seed(collection, small, SMALL_SEEDED)
                raw = await _raw_phases(collection, project, seeded)
                service = await _service_phases(admin.edge, project, small, seeded)
            finally:
                if not admin.scratch:
                    await _remove(collection, project)
                    await _remove(collection, small)
        finally:
            if admin.scratch:
                await client.drop_database(admin.database)
            await client.close()
    phases = _compare(service, raw)
    settings = {
        "seeded_executions": SEEDED,
        "concurrency": CONCURRENCY,
        "phase_cap_seconds": PHASE_CAP_SECONDS,
    }
    write_results(RESULTS, _markdown(phases), settings, phases)


if __name__ == "__main__":
    asyncio.run(main())

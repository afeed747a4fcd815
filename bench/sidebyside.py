"""The performance issue's table in one sitting: every row through the edge, beside raw baselines
measured in the same run, with the CPU each process spent on each row.

Needs the infrastructure of the local stack and nothing of flightdeck's own running
(``deploy/local/up kafka ferretdb redis edge``, no ``make run``): starts admin, the events
gateway and the projector on their usual ports, so that the nginx edge routes to them, with a
database and topic prefix of the run's own, and drops the database afterwards. Then, in order:

- registration: ``REGISTRATIONS`` creates of tasks, workflows and launch plans (one in flight, as
  ``pyflyte register``), every launch plan activated; raw: ``insert_one`` and ``find_one``;
- events: propeller-like executions (bench/propeller_load.py) at 8 and 64 concurrent; raw:
  Kafka produce->consume with the gateway's producer settings, PyMongo upserts;
- CreateExecution, GetExecution and ListExecutions (20 rows, by project/domain, with and without
  a sort on created_at) with ``IN_FLIGHT`` calls in flight over ``POPULATION`` stored executions;
  raw: PyMongo ``insert_one``, ``find_one`` by ``_id`` and the same page's ``find``.

For every row: operations, ops/s, p50/p99 of each call under that load, and the CPU seconds per
second (cores) of each process (admin, gateway, projector, FerretDB, Kafka, Redis, nginx and
this load generator) read from ``/proc``. ``--quick`` shrinks every count for a trial run.
Writes ``bench/results/sidebyside.json`` and ``sidebyside.md``. Usage:
``uv run python bench/sidebyside.py [--quick]``.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import events_bench
import executions_bench
import grpc
import registration_bench
from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from measuring import (
    REPO,
    AdminUnderTest,
    cpu_seconds,
    load_module,
    percentile_ms,
    write_results,
)
from pymongo import AsyncMongoClient

from flightdeck_admin.store.executions import COLLECTION

RESULTS = REPO / "bench" / "results" / "sidebyside.json"
RUN_DIR = REPO / "var" / "run"
INFRASTRUCTURE = ("ferretdb", "kafka", "redis", "edge")
STARTED = ("admin", "events-gateway", "events-projector")


@dataclass(frozen=True)
class Sizes:
    registrations: int
    population: int
    calls: int
    event_levels: tuple[tuple[int, int], ...]  # (concurrent executions, executions in all)


FULL = Sizes(registrations=100, population=100_000, calls=2_000, event_levels=((8, 16), (64, 64)))
QUICK = Sizes(registrations=20, population=2_000, calls=200, event_levels=((8, 8), (64, 64)))
IN_FLIGHT = 8
PHASE_CAP_SECONDS = 60.0


@dataclass
class Row:
    operation: str
    in_flight: int
    operations: int
    seconds: float
    ops_per_second: float
    p50_ms: float | None = None
    p99_ms: float | None = None
    cores: dict[str, float] = field(default_factory=dict)
    """CPU seconds per second of the row's wall time, per process."""
    note: str = ""


# --- CPU per process, from /proc ---------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree.setdefault(parent, []).append(int(entry.name))
    return tree


def _with_descendants(pid: int) -> list[int]:
    """nginx answers from its workers, Kafka's launcher may fork: count the whole tree."""
    tree, found, pending = _children(), [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending.extend(tree.get(current, []))
    return found


def _cpu(pids: list[int]) -> float:
    return sum(cpu_seconds(pid) for pid in pids)


def _recorded_pid(component: str) -> int:
    path = RUN_DIR / f"{component}.pid"
    if not path.exists():
        raise SystemExit(f"{component} is not running: start `deploy/local/up {component}` first")
    return int(path.read_text().split()[0])


class CpuMeter:
    """CPU ticks of each measured process tree, read before and after a row."""

    def __init__(self, roots: dict[str, int]) -> None:
        self._trees = {name: _with_descendants(pid) for name, pid in roots.items()}

    def _read(self) -> dict[str, float]:
        seconds = {name: _cpu(pids) for name, pids in self._trees.items()}
        seconds["load generator"] = _cpu([os.getpid()])
        return seconds

    @contextmanager
    def measuring(self, row: Callable[[], Row | None]) -> Iterator[None]:
        before, started = self._read(), time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        after = self._read()
        measured = row()
        if measured is not None:
            measured.cores = {
                name: round((after[name] - before[name]) / elapsed, 2) for name in after
            }


# --- timing --------------------------------------------------------------------------------------


async def _loaded(
    name: str, count: int, operation: Callable[[int], Awaitable[object]], in_flight: int
) -> Row:
    """``count`` calls, ``in_flight`` at a time, each one timed (latency under that load)."""
    samples: list[float] = []
    counter = iter(range(count))
    started = time.perf_counter()
    deadline = started + PHASE_CAP_SECONDS

    async def worker() -> None:
        for i in counter:
            if time.perf_counter() > deadline:
                return
            begun = time.perf_counter()
            await operation(i)
            samples.append(time.perf_counter() - begun)

    await asyncio.gather(*(worker() for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    return Row(
        name,
        in_flight,
        len(samples),
        round(elapsed, 3),
        round(len(samples) / elapsed, 1),
        p50_ms=percentile_ms(samples, 0.5),
        p99_ms=percentile_ms(samples, 0.99),
    )


# --- the rows ------------------------------------------------------------------------------------


def _registration_rows(admin: AdminUnderTest, sizes: Sizes) -> tuple[list[Row], list[Any]]:
    fixtures = load_module("bench_fixtures", REPO / "tests" / "conftest.py")
    per_version = sum(
        1
        for f in fixtures.load_flyte_fixtures("p", "v0")
        if f.short_name not in registration_bench.REFERENCING_UNREGISTERED
    )
    registration_bench.VERSIONS = max(1, math.ceil(sizes.registrations / per_version))
    started = time.perf_counter()
    phases, registered = registration_bench._register_all(admin.edge)
    elapsed = time.perf_counter() - started
    calls = sum(p.operations for p in phases)
    rows = [Row(p.operation, 1, p.operations, 0.0, 0.0, p.p50_ms, p.p99_ms) for p in phases]
    # The CPU is read over the whole sequence; each RPC's row carries the sequence's shares.
    rows.append(
        Row(
            "registration sequence (all of the above)",
            1,
            calls,
            round(elapsed, 3),
            round(calls / elapsed, 1),
        )
    )
    return rows, registered


async def _registration_baselines(admin: AdminUnderTest, registered: list[Any]) -> list[Row]:
    kept = AdminUnderTest(admin.edge, admin.mongo_url, admin.database, scratch=False)
    phases = await registration_bench._raw_phases(kept, registered)
    return [Row(p.operation, 1, p.operations, 0.0, 0.0, p.p50_ms, p.p99_ms) for p in phases]


async def _event_row(
    stub: Any, collection: Any, run: str, concurrency: int, executions: int
) -> Row:
    ids = await events_bench._seed(collection, executions, run, concurrency)
    sent, seconds, latencies = await events_bench._drive(stub, collection, ids, concurrency)
    return Row(
        f"events accepted and projected, {concurrency} concurrent executions",
        concurrency,
        sent,
        round(seconds, 3),
        round(sent / seconds, 1),
        p50_ms=round(events_bench._percentile(latencies, 0.5) * 1000, 1),
        p99_ms=round(events_bench._percentile(latencies, 0.99) * 1000, 1),
        note="p50/p99: a workflow event's acknowledgement to the projection showing it",
    )


def _list_request(project: str, sorted_by_created: bool) -> common_pb2.ResourceListRequest:
    request = common_pb2.ResourceListRequest(limit=executions_bench.PAGE)
    request.id.project, request.id.domain = project, "development"
    if sorted_by_created:
        request.sort_by.key, request.sort_by.direction = "created_at", common_pb2.Sort.DESCENDING
    return request


def _get_request(project: str, name: str) -> execution_pb2.WorkflowExecutionGetRequest:
    return execution_pb2.WorkflowExecutionGetRequest(
        id=identifier_pb2.WorkflowExecutionIdentifier(
            project=project, domain="development", name=name
        )
    )


def _raw_operations(
    collection: Any, project: str, seeded: list[str], calls: int
) -> list[tuple[str, Callable[[int], Awaitable[object]]]]:
    picks = random.Random(11).choices(seeded, k=calls)
    return [
        (
            "PyMongo insert_one (an execution document)",
            lambda i: collection.insert_one(executions_bench._document(project, f"raw{i:06d}")),
        ),
        (
            "PyMongo find_one by _id",
            lambda i: collection.find_one({"_id": f"{project}/development/{picks[i]}"}),
        ),
        (
            "PyMongo find, the ListExecutions page",
            lambda i: executions_bench._raw_page(collection, project),
        ),
    ]


# --- the run -------------------------------------------------------------------------------------


@contextmanager
def _services(run: str) -> Iterator[tuple[AdminUnderTest, dict[str, int]]]:
    launcher = load_module("local_services", REPO / "deploy" / "local" / "services.py")
    chosen = tuple(s for s in launcher.SERVICES if s.name in STARTED)
    answering = [s.name for s in chosen if launcher.answers(launcher.http_url(s, "/readyz"))]
    if answering:
        raise SystemExit(f"{answering} already answer: stop `make run` (the bench starts its own)")
    database = f"bench_sidebyside_{run}"
    for service in chosen:
        os.environ[f"{service.env_prefix}MONGO__DATABASE"] = database
        os.environ[f"{service.env_prefix}TOPICS__PREFIX"] = f"bench-{run}."
        os.environ[f"{service.env_prefix}LOGGING__LEVEL"] = "WARNING"
    os.environ["FLIGHTDECK_EVENTS_PROJECTOR_CONSUMER_GROUP"] = f"bench-{run}"
    processes: dict[str, Any] = {}
    logs = REPO / "var" / "log"
    logs.mkdir(parents=True, exist_ok=True)
    try:
        for service in chosen:
            with open(logs / f"bench-{service.name}.log", "wb") as log:
                processes[service.label] = launcher.start(service, "json", log.fileno())
        launcher.wait_ready(chosen, processes)
        ports = launcher.ports()
        yield (
            AdminUnderTest(
                edge=f"127.0.0.1:{ports['FLIGHTDECK_EDGE_GRPC_PORT']}",
                mongo_url=f"mongodb://127.0.0.1:{ports['FLIGHTDECK_MONGO_PORT']}/",
                database=database,
                scratch=True,
            ),
            {name: process.pid for name, process in processes.items()},
        )
    finally:
        launcher.stop(processes)


async def _measure(
    admin: AdminUnderTest, pids: dict[str, int], sizes: Sizes, run: str
) -> list[Row]:
    roots = {**{c: _recorded_pid(c) for c in INFRASTRUCTURE}, **pids}
    meter = CpuMeter(roots)
    rows: list[Row] = []
    last = lambda: rows[-1]  # noqa: E731 - the row a measuring block appended
    client: AsyncMongoClient = AsyncMongoClient(admin.mongo_url, tz_aware=True)
    database = client[admin.database]
    executions = database[COLLECTION]
    kafka, _ = events_bench._stack()
    try:
        with meter.measuring(last):
            registration, registered = await asyncio.to_thread(_registration_rows, admin, sizes)
            rows.extend(registration)
        rows.extend(await _registration_baselines(admin, registered))

        async with grpc.aio.insecure_channel(admin.edge) as channel:
            stub = admin_pb2_grpc.AdminServiceStub(channel)
            warmup = await events_bench._seed(executions, 2, run, 0)
            await events_bench._drive(stub, executions, warmup, 2)
            for concurrency, count in sizes.event_levels:
                with meter.measuring(last):
                    rows.append(await _event_row(stub, executions, run, concurrency, count))
                with meter.measuring(last):
                    started = time.perf_counter()
                    rate = await events_bench._raw_kafka(kafka, run, concurrency)
                    rows.append(
                        Row(
                            f"raw Kafka produce->consume, {concurrency} in flight",
                            concurrency,
                            0,
                            round(time.perf_counter() - started, 3),
                            round(rate, 1),
                        )
                    )
                with meter.measuring(last):
                    started = time.perf_counter()
                    rate = await events_bench._raw_mongo(database["raw_writes"], concurrency)
                    rows.append(
                        Row(
                            f"raw PyMongo upsert, {concurrency} in flight",
                            concurrency,
                            0,
                            round(time.perf_counter() - started, 3),
                            round(rate, 1),
                        )
                    )

            project = await asyncio.to_thread(executions_bench._register, admin.edge, "sbs")
            seeded = await executions_bench._seed(executions, project, sizes.population)
            create = executions_bench._create_request(project)
            picks = random.Random(7).choices(seeded, k=sizes.calls)
            measured: list[tuple[str, Callable[[int], Awaitable[object]]]] = [
                ("CreateExecution (edge)", lambda i: stub.CreateExecution(create)),
                (
                    "GetExecution (edge)",
                    lambda i: stub.GetExecution(_get_request(project, picks[i])),
                ),
                (
                    "ListExecutions, 20 by project/domain (edge)",
                    lambda i: stub.ListExecutions(_list_request(project, False)),
                ),
                (
                    "ListExecutions, 20 by project/domain, created_at desc (edge)",
                    lambda i: stub.ListExecutions(_list_request(project, True)),
                ),
                *_raw_operations(executions, project, seeded, sizes.calls),
            ]
            for name, operation in measured:
                with meter.measuring(last):
                    rows.append(await _loaded(name, sizes.calls, operation, IN_FLIGHT))
    finally:
        await client.drop_database(admin.database)
        await client.close()
    return rows


def _markdown(rows: list[Row], sizes: Sizes) -> str:
    processes = ["admin", "events-gateway", "events-projector", *INFRASTRUCTURE, "load generator"]
    lines = [
        f"# Side by side ({datetime.now(UTC):%Y-%m-%d}, {os.cpu_count()} cpus)",
        "",
        f"One run of `bench/sidebyside.py`: {sizes.registrations}+ registrations, events at "
        f"{', '.join(str(c) for c, _ in sizes.event_levels)} concurrent executions "
        f"({events_bench.propeller.EVENTS_PER_EXECUTION} events each), reads over "
        f"{sizes.population:,} stored executions with {IN_FLIGHT} calls in flight; every "
        "flightdeck row through the nginx edge; raw rows are the store or broker alone, "
        "measured in the same run. CPU columns: cores (CPU seconds per second of the row).",
        "",
        "| operation | in flight | ops | ops/s | p50 ms | p99 ms | " + " | ".join(processes) + " |",
        "|---|---:|---:|---:|---:|---:|" + "---:|" * len(processes),
    ]
    for r in rows:
        cpu = [str(r.cores.get(p, "")) for p in processes]
        lines.append(
            f"| {r.operation} | {r.in_flight} | {r.operations or ''} | {r.ops_per_second or ''} "
            f"| {r.p50_ms or ''} | {r.p99_ms or ''} | " + " | ".join(cpu) + " |"
        )
    notes = [f"- {r.operation}: {r.note}" for r in rows if r.note]
    return "\n".join([*lines, "", *notes]) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for a trial run")
    arguments = parser.parse_args()
    sizes = QUICK if arguments.quick else FULL
    run = uuid.uuid4().hex[:8]
    with _services(run) as (admin, pids):
        rows = asyncio.run(_measure(admin, pids, sizes, run))
    target = RESULTS.with_name("sidebyside-quick.json") if arguments.quick else RESULTS
    settings = {"sizes": sizes.__dict__, "in_flight": IN_FLIGHT, "cpus": os.cpu_count()}
    write_results(target, _markdown(rows, sizes), settings, rows)


if __name__ == "__main__":
    main()

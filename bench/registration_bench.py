"""Registration next to raw PyMongo, on this machine, in one run.

Needs the local stack (``deploy/local/up``); starts the admin process the way the end-to-end
tests do unless one already answers. Registers the flytekit fixtures (``../shared/fixtures``:
tasks, workflows, launch plans) ``VERSIONS`` times into a new project through the nginx edge,
one call in flight as ``pyflyte register`` makes them, then activates every launch plan; reports
p50/p99 per RPC against a raw ``insert_one`` of each serialized spec and a raw ``find_one`` by
its identity (what a registration's existence check reads) in a scratch collection of the same
database. Prints a table and writes ``bench/results/registration.json`` and ``registration.md``.
Usage: ``uv run python bench/registration_bench.py``.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import grpc
from flyteidl.admin import launch_plan_pb2, project_pb2
from flyteidl.service import admin_pb2_grpc
from measuring import (
    REPO,
    AdminUnderTest,
    admin_under_test,
    load_module,
    percentile_ms,
    write_results,
)
from pymongo import ASCENDING, AsyncMongoClient, IndexModel

RESULTS = REPO / "bench" / "results" / "registration.json"
VERSIONS = 6
"""Each version registers 17 tasks, 16 workflows and 17 launch plans: about 100 of each."""
IDENTITY = ("project", "domain", "name", "version")
"""With the kind, a registered entity's key: a workflow and its launch plan share a name."""
REFERENCING_UNREGISTERED = {"wf_launchplans"}
"""Fixtures that call a launch plan of another project, which flytekit does not emit."""
RPC_OF_KIND = {"task": "CreateTask", "workflow": "CreateWorkflow", "launchplan": "CreateLaunchPlan"}


@dataclass
class Phase:
    operation: str
    operations: int
    p50_ms: float
    p99_ms: float
    baseline: str = ""
    ratio: float | None = None


def _phase(operation: str, samples: list[float]) -> Phase:
    return Phase(operation, len(samples), percentile_ms(samples, 0.5), percentile_ms(samples, 0.99))


def _timed(call: Callable[[], object], samples: list[float]) -> None:
    begun = time.perf_counter()
    call()
    samples.append(time.perf_counter() - begun)


def _register_all(edge: str) -> tuple[list[Phase], list[Any]]:
    """Every fixture, version after version, then every launch plan activated; returns the phases
    and the fixtures registered (their specs feed the raw baseline)."""
    fixtures_module = load_module("bench_fixtures", REPO / "tests" / "conftest.py")
    project = f"bench-registration-{uuid.uuid4().hex[:8]}"
    samples: dict[str, list[float]] = defaultdict(list)
    registered = []
    with grpc.insecure_channel(edge) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        admin.RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project, name=project)
            )
        )
        for version in range(VERSIONS):
            for fixture in fixtures_module.load_flyte_fixtures(project, f"v{version}"):
                if fixture.short_name in REFERENCING_UNREGISTERED:
                    continue
                _timed(lambda f=fixture: f.register(admin), samples[RPC_OF_KIND[fixture.kind]])
                registered.append(fixture)
        for fixture in registered:
            if fixture.kind == "launchplan":
                request = launch_plan_pb2.LaunchPlanUpdateRequest(
                    id=fixture.entity_id, state=launch_plan_pb2.ACTIVE
                )
                _timed(lambda r=request: admin.UpdateLaunchPlan(r), samples["UpdateLaunchPlan"])
    return [_phase(f"{rpc} (edge)", times) for rpc, times in samples.items()], registered


async def _raw_phases(admin: AdminUnderTest, registered: list[Any]) -> list[Phase]:
    """Then drops what the bench wrote: the scratch collection, or the whole database when the
    bench's own admin used one of its own."""
    client: AsyncMongoClient = AsyncMongoClient(admin.mongo_url)
    scratch = client[admin.database][f"bench_registration_{uuid.uuid4().hex[:8]}"]
    key = [("kind", ASCENDING), *((f, ASCENDING) for f in IDENTITY)]
    await scratch.create_indexes([IndexModel(key, unique=True)])
    inserts: list[float] = []
    finds: list[float] = []
    try:
        for fixture in registered:
            identity = {
                "kind": fixture.kind,
                **{f: getattr(fixture.entity_id, f) for f in IDENTITY},
            }
            document = {**identity, "spec": fixture.message.SerializeToString()}
            begun = time.perf_counter()
            await scratch.insert_one(document)
            inserts.append(time.perf_counter() - begun)
            begun = time.perf_counter()
            await scratch.find_one(identity)
            finds.append(time.perf_counter() - begun)
    finally:
        await scratch.drop()
        if admin.scratch:
            await client.drop_database(admin.database)
        await client.close()
    return [_phase("PyMongo insert_one", inserts), _phase("PyMongo find_one by identity", finds)]


def _compare(service: list[Phase], raw: list[Phase]) -> list[Phase]:
    inserted = raw[0]
    for phase in service:
        phase.baseline, phase.ratio = inserted.operation, round(phase.p50_ms / inserted.p50_ms, 2)
    return [*raw, *service]


def _markdown(phases: list[Phase]) -> str:
    lines = [
        f"Registration, one call in flight ({datetime.now(UTC):%Y-%m-%d}), on FerretDB 1.24 "
        "(SQLite) as deploy/local builds it; ratio: p50 vs the baseline's p50.",
        "",
        "| operation | calls | p50 ms | p99 ms | vs baseline |",
        "|---|---|---|---|---|",
    ]
    for p in phases:
        versus = f"{p.ratio} x {p.baseline}" if p.ratio is not None else "(baseline)"
        lines.append(f"| {p.operation} | {p.operations} | {p.p50_ms} | {p.p99_ms} | {versus} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    with admin_under_test("registration") as admin:
        service, registered = _register_all(admin.edge)
        raw = asyncio.run(_raw_phases(admin, registered))
    phases = _compare(service, raw)
    write_results(RESULTS, _markdown(phases), {"versions": VERSIONS}, phases)


if __name__ == "__main__":
    main()

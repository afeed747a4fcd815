"""How the embedded FerretDB serves every query the services send to MongoDB, at a realistic size.

Takes the query shapes of tests/integration/test_store_plans.py (recorded from the stores
themselves), builds a scratch database on the local stack's FerretDB with the services' real
indexes, ``EXECUTIONS`` executions and a few hundred documents in every other collection, then
for each shape asks ``explain`` for SQLite's plan and times the shape: a find with its filter,
sort and limit (a count as itself; writes, distincts and groupings as the find of their
filter). Writes
``bench/results/store.md``: a table per collection, then the shapes that still scan and the
caveats of those an index serves. The scratch database is dropped at the end. Usage:
``uv run python bench/store_plans.py``.
"""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from measuring import REPO, load_module
from pymongo import MongoClient
from pymongo.database import Database

RESULTS = REPO / "bench" / "results" / "store.md"
EXECUTIONS = 20_000
TIMED_RUNS = 5
"""Finds per shape; the median is reported, after one untimed find warms SQLite's page cache."""

shapes = load_module("store_plan_shapes", REPO / "tests" / "integration" / "test_store_plans.py")


@dataclass(frozen=True)
class Measured:
    shape: Any  # test_store_plans.QueryShape
    plan: Any  # test_store_plans.Plan
    median_ms: float


def _mongo_url() -> str:
    launcher = load_module("local_services", REPO / "deploy" / "local" / "services.py")
    return f"mongodb://127.0.0.1:{launcher.ports()['FLIGHTDECK_MONGO_PORT']}/?directConnection=true"


def _timed_ms(database: Database[Any], shape: Any) -> float:
    """A count as itself; anything else as the find of its filter, sort and limit, which reads
    the rows a write, a distinct or a grouping starts from."""
    collection = database[shape.collection]

    def once() -> float:
        started = time.perf_counter()
        if shape.operation == "count_documents":
            collection.count_documents(dict(shape.filter))
        else:
            cursor = collection.find(dict(shape.filter))
            if shape.sort:
                cursor = cursor.sort(list(shape.sort))
            if shape.limit:
                cursor = cursor.limit(shape.limit)
            cursor.to_list()
        return (time.perf_counter() - started) * 1000

    once()
    return round(statistics.median(once() for _ in range(TIMED_RUNS)), 2)


def _measure(database: Database[Any]) -> list[Measured]:
    return [
        Measured(shape, shapes.explain(database, shape), _timed_ms(database, shape))
        for shape in shapes.QUERY_SHAPES
    ]


def _served_by(plan: Any) -> str:
    if plan.verdict == "index":
        return ", ".join(plan.indexes)
    if plan.indexes:
        return f"SCAN in {', '.join(plan.indexes)} order"
    return "SCAN"


def _plan_text(collection: str, plan: Any) -> str:
    """The plan rows, naming the collection and its indexes instead of SQLite's generated
    table name (``<collection>_<hash>``, which prefixes the index names too)."""
    text = "; ".join(plan.steps)
    for step in plan.reads:
        table = step.split()[1]
        text = text.replace(f"{table}_", "").replace(table, collection)
    return f"`{text}`"


def _pushdown(measured: Measured) -> str:
    sort = "yes" if measured.plan.sort_pushdown else "no"
    if not measured.shape.sort:
        sort = "-"
    elif measured.plan.sorts_in_memory:
        sort += " (temp b-tree)"
    return f"{'yes' if measured.plan.filter_pushdown else 'no'} / {sort}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _markdown(measured: list[Measured], sizes: dict[str, int], ferretdb: str) -> str:
    lines = [
        f"# Query plans of the stores ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"FerretDB {ferretdb} on SQLite as deploy/local builds it (filters and sorts on indexed "
        "fields pushed down), with the services' own indexes (flightdeck_admin.store.indexes, "
        "which cover the projector's collections too, and the executor's). Shapes are recorded "
        "from the stores by tests/integration/test_store_plans.py, which also checks each "
        "verdict. "
        f"ms: median of {TIMED_RUNS} runs of the shape's find (filter, sort, limit; a write, "
        "distinct or grouping timed as the find of its filter, a count as itself), on this "
        "machine.",
        "",
        "Documents: " + ", ".join(f"{name} {count:,}" for name, count in sizes.items()) + ".",
    ]
    by_collection: dict[str, list[Measured]] = defaultdict(list)
    for entry in measured:
        by_collection[entry.shape.collection].append(entry)
    for collection, entries in by_collection.items():
        lines += [
            "",
            f"## {collection}",
            "",
            "| shape | issued by | served by | SQLite plan | filter / sort pushdown | ms |",
            "|---|---|---|---|---|---|",
        ]
        for entry in entries:
            unexpected = "" if entry.plan.verdict == entry.shape.expected else " **(unexpected)**"
            lines.append(
                f"| {_cell(entry.shape.name)} ({entry.shape.operation}) | "
                f"{_cell(entry.shape.issued_by)} | {_served_by(entry.plan)}{unexpected} | "
                f"{_cell(_plan_text(collection, entry.plan))} | {_pushdown(entry)} | "
                f"{entry.median_ms} |"
            )
    scans = [entry for entry in measured if entry.plan.verdict == "scan"]
    lines += ["", "## Still scans", ""]
    lines += [
        f"- **{entry.shape.name}** ({entry.shape.collection}, {entry.median_ms} ms): "
        f"{entry.shape.note or 'not explained by its shape'}"
        for entry in scans
    ] or ["None."]
    caveats = [entry for entry in measured if entry.plan.verdict == "index" and entry.shape.note]
    lines += ["", "## Served by an index, with a cost worth knowing", ""]
    lines += [
        f"- **{entry.shape.name}** ({entry.shape.collection}, {entry.median_ms} ms): "
        f"{entry.shape.note}"
        for entry in caveats
    ] or ["None."]
    return "\n".join(lines) + "\n"


async def _seed(url: str, name: str) -> None:
    await shapes.create_scratch(url, name, executions_stored=EXECUTIONS)


def main() -> None:
    url = _mongo_url()
    name = f"bench_store_plans_{uuid.uuid4().hex[:8]}"
    client: MongoClient[Any] = MongoClient(url, tz_aware=True)
    try:
        started = time.perf_counter()
        asyncio.run(_seed(url, name))
        print(f"seeded {name} in {time.perf_counter() - started:.1f}s")
        database = client[name]
        measured = _measure(database)
        sizes = {
            collection: database[collection].estimated_document_count()
            for collection in sorted(database.list_collection_names())
        }
        ferretdb = client.server_info().get("ferretdbVersion", "1.24")
    finally:
        client.drop_database(name)
        client.close()
    report = _markdown(measured, sizes, ferretdb)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report)
    print(report)
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()

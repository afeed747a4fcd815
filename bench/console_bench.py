"""First paint of the console's executions list with ``SEEDED`` executions in the project.

Needs the local stack; starts admin (on a scratch database) and the console the way the
end-to-end tests do unless they already answer. Seeds the executions straight into the
collection with the store's own document function (as ``executions_bench.py`` does), then loads
``/console/projects/<p>/domains/development`` ``LOADS`` times in fresh contexts of Debian's
Chromium (playwright-core from the console's lockfile; `make console` first) and reports the
time from navigation to the first row of the list, and the browser's first contentful paint.
Writes ``bench/results/console.json`` and ``console.md``. Not asserted anywhere: the issue's
target is a list painted in under 1 s on this machine. Usage:
``uv run python bench/console_bench.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from executions_bench import _register, _remove, _seed
from measuring import REPO, admin_under_test, load_module, percentile_ms, write_results
from pymongo import AsyncMongoClient

from flightdeck_admin.store.executions import COLLECTION

RESULTS = REPO / "bench" / "results" / "console.json"
WEB = REPO / "services" / "console" / "web"
SEEDED = 10_000
LOADS = 7


@dataclass
class Phase:
    operation: str
    operations: int
    p50_ms: float
    p99_ms: float


@contextmanager
def console_running() -> Iterator[str]:
    launcher = load_module("local_services_console", REPO / "deploy" / "local" / "services.py")
    console = next(s for s in launcher.SERVICES if s.name == "console")
    processes = {}
    if launcher.answers(launcher.http_url(console, "/readyz")) != 200:
        processes["console"] = launcher.start(console, "json", None)
        launcher.wait_ready((console,), processes)
    try:
        yield f"http://127.0.0.1:{launcher.ports()['FLIGHTDECK_EDGE_HTTP_PORT']}"
    finally:
        launcher.stop(processes)


def _loads(edge_http: str, project: str) -> list[dict[str, Any]]:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("needs Debian's chromium (apt-get install chromium)")
    if not (WEB / "node_modules").is_dir() or not (WEB / "dist" / "index.html").is_file():
        subprocess.run(["make", "-s", "console"], cwd=REPO, check=True)
    page = f"{edge_http}/console/projects/{project}/domains/development"
    done = subprocess.run(
        ["node", "browser/first_paint.mjs"],
        cwd=WEB,
        env={**os.environ, "CHROMIUM": chromium, "CONSOLE_PAGE": page, "CONSOLE_LOADS": str(LOADS)},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


def _phase(name: str, samples_ms: list[float]) -> Phase:
    seconds = [s / 1000 for s in samples_ms]
    return Phase(name, len(seconds), percentile_ms(seconds, 0.5), percentile_ms(seconds, 0.99))


def _markdown(phases: list[Phase]) -> str:
    lines = [
        f"# Console: executions list with {SEEDED} executions in the project",
        "",
        "| measure | loads | p50 ms | max ms |",
        "|---|---|---|---|",
    ]
    lines += [f"| {p.operation} | {p.operations} | {p.p50_ms} | {p.p99_ms} |" for p in phases]
    return "\n".join(lines) + "\n"


async def main() -> None:
    with admin_under_test("console") as admin, console_running() as edge_http:
        client: AsyncMongoClient = AsyncMongoClient(admin.mongo_url, tz_aware=True)
        collection = client[admin.database][COLLECTION]
        try:
            project = _register(admin.edge, "bench-console")
            try:
                await _seed(collection, project, SEEDED)
                loads = _loads(edge_http, project)
            finally:
                if not admin.scratch:
                    await _remove(collection, project)
        finally:
            if admin.scratch:
                await client.drop_database(admin.database)
            await client.close()
    phases = [
        _phase("navigation to first list row", [load["list_ms"] for load in loads]),
        _phase(
            "first contentful paint",
            [load["first_contentful_paint_ms"] or 0.0 for load in loads],
        ),
    ]
    write_results(RESULTS, _markdown(phases), {"seeded_executions": SEEDED}, phases)


if __name__ == "__main__":
    asyncio.run(main())

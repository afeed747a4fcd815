"""What the benchmarks share: the timing loop (a fixed number of calls, a few in flight at once,
stopped early when a phase runs past its time cap, so a slow store cannot stall the report),
percentiles, and the admin they measure."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import platform
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
# The tests' fixtures, which the benches reuse, import tests/testkit.py (pytest's pythonpath).
sys.path.insert(0, str(REPO / "tests"))


async def capped_throughput(
    count: int,
    operation: Callable[[int], Awaitable[object]],
    concurrency: int,
    cap_seconds: float,
) -> tuple[int, float]:
    """Runs ``operation(i)`` for i in range(count) with ``concurrency`` in flight; returns how
    many completed and the seconds they took."""
    counter = iter(range(count))
    done = 0
    started = time.perf_counter()
    deadline = started + cap_seconds

    async def worker() -> None:
        nonlocal done
        for i in counter:
            if time.perf_counter() > deadline:
                return
            await operation(i)
            done += 1

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return done, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) a process has used so far, from ``/proc``; 0 once it is
    gone (a worker that exited since its parent's tree was read)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_module(name: str, path: Path) -> ModuleType:
    """Imports a script that is not on the path (the launcher, the tests' fixtures) by file."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def percentile_ms(samples: list[float], share: float) -> float:
    """The ``share`` quantile of ``samples`` (seconds), in milliseconds."""
    ordered = sorted(samples)
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000, 3)


@dataclass(frozen=True)
class AdminUnderTest:
    edge: str
    mongo_url: str
    database: str
    scratch: bool
    """True when the bench started an admin of its own on a database of its own, which it drops
    afterwards in one step (removing 100k documents from a shared one takes FerretDB minutes)."""


@contextmanager
def admin_under_test(label: str) -> Iterator[AdminUnderTest]:
    """The admin answering behind the edge: the running one, or one started for the bench."""
    launcher = load_module("local_services", REPO / "deploy" / "local" / "services.py")
    ports = launcher.ports()
    admin = next(s for s in launcher.SERVICES if s.name == "admin")
    processes = {}
    database = "flightdeck"
    if launcher.answers(launcher.http_url(admin, "/readyz")) != 200:
        database = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        os.environ["FLIGHTDECK_ADMIN_MONGO__DATABASE"] = database
        processes["admin"] = launcher.start(admin, "json", None)
        launcher.wait_ready((admin,), processes)
    try:
        yield AdminUnderTest(
            edge=f"127.0.0.1:{ports['FLIGHTDECK_EDGE_GRPC_PORT']}",
            mongo_url=f"mongodb://127.0.0.1:{ports['FLIGHTDECK_MONGO_PORT']}/",
            database=database,
            scratch=bool(processes),
        )
    finally:
        launcher.stop(processes)


def write_results(path: Path, table: str, settings: dict[str, Any], phases: Sequence[Any]) -> None:
    """Prints the table, then writes it to ``path`` with the ``.md`` suffix and the JSON report
    (when and how it was measured, ``settings``, every phase) to ``path``."""
    print(table)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        **settings,
        "phases": [asdict(phase) for phase in phases],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")
    path.with_suffix(".md").write_text(table)
    print(f"written to {path}")

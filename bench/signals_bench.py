"""Signals throughput next to raw Redis, on this machine, in one run.

Starts the signals service in-process through its composition root (free loopback ports, the
local stack's Redis: run ``deploy/local/up`` first), then measures with the same concurrency:
raw redis-py GET and SET, and GetOrCreateSignal, SetSignal, ListSignals over gRPC. Each phase
is bounded by an operation count and a time cap. Prints a table and writes
``bench/results/signals.json``. Usage: ``uv run python bench/signals_bench.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import grpc
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from flyteidl.service import signal_pb2_grpc
from measuring import capped_throughput
from redis.asyncio import Redis

from flightdeck_platform.settings import RedisSettings, ServerSettings
from flightdeck_signals.server import wired
from flightdeck_signals.settings import SignalsSettings, SignalStoreSettings
from flightdeck_signals.store.keys import SignalKeys

OPERATIONS = 3000
WARMUP = 200
CONCURRENCY = 16
PHASE_CAP_SECONDS = 10.0
LISTED_SIGNALS = 20
RESULTS = Path(__file__).resolve().parent / "results" / "signals.json"

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(
    project="bench", domain="development", name=f"b{uuid.uuid4().hex[:10]}"
)


@dataclass
class Phase:
    operation: str
    operations: int
    seconds: float
    ops_per_second: float
    baseline: str = ""
    ratio: float | None = None


def _signal_id(name: str) -> identifier_pb2.SignalIdentifier:
    return identifier_pb2.SignalIdentifier(signal_id=name, execution_id=EXECUTION)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


async def _measure(name: str, operation: Callable[[int], Awaitable[object]]) -> Phase:
    """``OPERATIONS`` calls, ``CONCURRENCY`` in flight, stopped early at the time cap."""
    for i in range(WARMUP):
        await operation(i)
    done, elapsed = await capped_throughput(OPERATIONS, operation, CONCURRENCY, PHASE_CAP_SECONDS)
    return Phase(name, done, round(elapsed, 3), round(done / elapsed, 1))


async def _raw_phases(client: Redis, key: str) -> list[Phase]:
    await client.set(key, b"x" * 16)
    get = await _measure("redis-py GET", lambda i: client.get(key))
    put = await _measure("redis-py SET", lambda i: client.set(key, i.to_bytes(8, "big")))
    return [get, put]


async def _service_phases(stub: signal_pb2_grpc.SignalServiceStub) -> list[Phase]:
    for i in range(LISTED_SIGNALS):
        await stub.GetOrCreateSignal(
            signal_pb2.SignalGetOrCreateRequest(id=_signal_id(f"s{i:02}"), type=INT)
        )
    get_request = signal_pb2.SignalGetOrCreateRequest(id=_signal_id("s00"), type=INT)
    list_request = signal_pb2.SignalListRequest(
        workflow_execution_id=EXECUTION, limit=LISTED_SIGNALS
    )
    return [
        await _measure("GetOrCreateSignal", lambda i: stub.GetOrCreateSignal(get_request)),
        await _measure(
            "SetSignal",
            lambda i: stub.SetSignal(
                signal_pb2.SignalSetRequest(id=_signal_id("s01"), value=_int(i))
            ),
        ),
        await _measure(
            f"ListSignals ({LISTED_SIGNALS} per page)", lambda i: stub.ListSignals(list_request)
        ),
    ]


def _compare(service: list[Phase], raw: list[Phase]) -> list[Phase]:
    get, put = raw
    for phase, baseline in zip(service, (get, put, get), strict=True):
        phase.baseline = baseline.operation
        phase.ratio = round(phase.ops_per_second / baseline.ops_per_second, 4)
    return [*raw, *service]


def _table(phases: list[Phase]) -> str:
    lines = [f"{'operation':<30} {'ops':>6} {'seconds':>8} {'ops/s':>10}  vs baseline"]
    for p in phases:
        versus = f"{p.ratio:.3f} x {p.baseline}" if p.ratio is not None else "(baseline)"
        lines.append(
            f"{p.operation:<30} {p.operations:>6} {p.seconds:>8.3f} {p.ops_per_second:>10.1f}  "
            f"{versus}"
        )
    return "\n".join(lines)


async def main() -> None:
    redis_url = f"redis://127.0.0.1:{os.environ.get('FLIGHTDECK_REDIS_PORT', '16379')}/0"
    prefix = f"bench:signals:{uuid.uuid4().hex[:10]}"
    settings = SignalsSettings(
        server=ServerSettings(grpc_port=0, http_port=0),
        redis=RedisSettings(url=redis_url),
        store=SignalStoreSettings(key_prefix=prefix),
    )
    raw_key = f"{prefix}:raw"
    client = Redis.from_url(redis_url)
    try:
        raw = await _raw_phases(client, raw_key)
        async with wired(settings) as host:
            await host.start()
            try:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as channel:
                    service = await _service_phases(signal_pb2_grpc.SignalServiceStub(channel))
            finally:
                await host.stop()
        redis_version = (await client.info("server"))["redis_version"]
    finally:
        keys = SignalKeys(prefix)
        await client.delete(raw_key, keys.terminal, *keys.of(EXECUTION).all)
        await client.aclose()
    phases = _compare(service, raw)
    print(_table(phases))
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "redis_version": redis_version,
        "operations_per_phase": OPERATIONS,
        "concurrency": CONCURRENCY,
        "phase_cap_seconds": PHASE_CAP_SECONDS,
        "phases": [asdict(p) for p in phases],
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    asyncio.run(main())

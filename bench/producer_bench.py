"""The events gateway's producer settings and process count, chosen from measurements: the event
pipeline of events_bench.py (gateway and projector as processes on the local stack) run once
per variant, at 8 and 64 concurrent executions, in one sitting.

For each variant in ``VARIANTS`` (``FLIGHTDECK_EVENTS_*_PRODUCER__LINGER_MS``,
``__COMPRESSION_TYPE``, and how many gateway processes share the load, the calls spread over
them in turn as the edge spreads them over replicas): events/s, the gateway's acknowledgement
p50/p99 (what propeller waits for), the acknowledgement-to-readable p50, and the gateways' CPU
per event (``/proc``). Writes
``bench/results/producer.json`` and ``producer.md``. Usage:
``uv run python bench/producer_bench.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import statistics
import time
import uuid
from dataclasses import dataclass

import events_bench
import grpc
from flyteidl.service import admin_pb2_grpc
from measuring import REPO, cpu_seconds, write_results
from pymongo import AsyncMongoClient

from flightdeck_records import executions

RESULTS = REPO / "bench" / "results" / "producer.json"
VARIANTS = (
    (0, "none", 1),
    (2, "none", 1),
    (5, "none", 1),
    (10, "none", 1),
    (2, "gzip", 1),
    (2, "none", 2),
)
LEVELS = ((8, 16), (64, 64))


@dataclass
class Measured:
    linger_ms: int
    compression: str
    gateways: int
    concurrency: int
    events: int
    events_per_second: float
    ack_p50_ms: float
    ack_p99_ms: float
    readable_p50_ms: float
    gateway_cpu_ms_per_event: float


class _TimedStubs:
    """The gateways' stubs, taken in turn, timing each acknowledgement."""

    def __init__(self, stubs: list[admin_pb2_grpc.AdminServiceStub]) -> None:
        self._stubs = itertools.cycle(stubs)
        self.acks: list[float] = []

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        async def timed(request):  # type: ignore[no-untyped-def]
            call = getattr(next(self._stubs), name)
            begun = time.perf_counter()
            answer = await call(request)
            self.acks.append(time.perf_counter() - begun)
            return answer

        return timed


async def _variant(linger_ms: int, compression: str, gateways: int) -> list[Measured]:
    for prefix in ("FLIGHTDECK_EVENTS_GATEWAY_", "FLIGHTDECK_EVENTS_PROJECTOR_"):
        os.environ[f"{prefix}PRODUCER__LINGER_MS"] = str(linger_ms)
        os.environ[f"{prefix}PRODUCER__COMPRESSION_TYPE"] = compression
    kafka, mongo = events_bench._stack()
    run = uuid.uuid4().hex[:8]
    services = events_bench.Services(kafka, mongo, run, gateways)
    client: AsyncMongoClient = AsyncMongoClient(mongo, tz_aware=True)
    measured = []
    try:
        await asyncio.to_thread(services.wait_ready)
        pids = [process.pid for process in services.gateways]
        collection = client[services.database][executions.COLLECTION]
        async with contextlib.AsyncExitStack() as stack:
            channels = [
                await stack.enter_async_context(grpc.aio.insecure_channel(f"127.0.0.1:{port}"))
                for port in services.grpc_ports
            ]
            stub = _TimedStubs([admin_pb2_grpc.AdminServiceStub(c) for c in channels])
            warmup = await events_bench._seed(collection, 2 * gateways, run, 0)
            await events_bench._drive(stub, collection, warmup, 2 * gateways)
            for concurrency, count in LEVELS:
                ids = await events_bench._seed(collection, count, run, concurrency)
                stub.acks.clear()
                cpu_before = sum(cpu_seconds(pid) for pid in pids)
                sent, seconds, readable = await events_bench._drive(
                    stub, collection, ids, concurrency
                )
                cpu = sum(cpu_seconds(pid) for pid in pids) - cpu_before
                measured.append(
                    Measured(
                        linger_ms,
                        compression,
                        gateways,
                        concurrency,
                        sent,
                        round(sent / seconds, 1),
                        round(events_bench._percentile(stub.acks, 0.5) * 1000, 2),
                        round(events_bench._percentile(stub.acks, 0.99) * 1000, 2),
                        round(statistics.median(readable) * 1000, 1),
                        round(cpu / sent * 1000, 3),
                    )
                )
                print(measured[-1], flush=True)
    finally:
        services.stop()
        await client.drop_database(services.database)
        await client.close()
    return measured


def _markdown(rows: list[Measured]) -> str:
    lines = [
        "# Events producer settings",
        "",
        f"One sitting on {os.cpu_count()} cpus, `bench/producer_bench.py`: the event pipeline of "
        "events_bench.py once per producer setting (gateway and projector alike).",
        "",
        "| linger ms | compression | gateways | concurrent executions | events | events/s "
        "| ack p50 ms | ack p99 ms | ack→readable p50 ms | gateway CPU ms/event |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.linger_ms} | {r.compression} | {r.gateways} | {r.concurrency} | {r.events} | "
            f"{r.events_per_second} | {r.ack_p50_ms} | {r.ack_p99_ms} | {r.readable_p50_ms} | "
            f"{r.gateway_cpu_ms_per_event} |"
        )
    return "\n".join(lines) + "\n"


async def main() -> None:
    rows: list[Measured] = []
    for linger_ms, compression, gateways in VARIANTS:
        rows.extend(await _variant(linger_ms, compression, gateways))
    settings = {"variants": VARIANTS, "levels": LEVELS}
    write_results(RESULTS, _markdown(rows), settings, rows)


if __name__ == "__main__":
    asyncio.run(main())

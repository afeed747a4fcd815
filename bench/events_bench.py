"""Event pipeline throughput and freshness next to raw Kafka and raw MongoDB, in one run.

Starts the events gateway and projector as processes (their own topic prefix, database and
consumer group, on the local stack: run ``deploy/local/up`` first), then drives propeller-like
event streams (bench/propeller_load.py) at 1, 8 and 64 concurrent executions. Reports sustained
events/s (acknowledged events over the time until every one is projected) and p50/p99 from the
gateway's acknowledgement of a workflow event to the projection showing it (polled every 5 ms),
beside raw aiokafka produce->consume (acks=all, idempotent) and raw PyMongo async update
throughput at the same concurrency. Writes ``bench/results/events.json`` and ``events.md``.
Usage: ``uv run python bench/events_bench.py``.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

import grpc
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.admin import execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection

from flightdeck_records import executions

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
RESULTS = HERE / "results" / "events.json"
TABLE = HERE / "results" / "events.md"
LEVELS = ((1, 4), (8, 16), (64, 64))
"""(concurrent executions, executions in total)."""
RAW_MESSAGES = 5000
RAW_CAP_SECONDS = 8.0
"""Each raw baseline stops at this many seconds (FerretDB on SQLite writes slowly)."""
POLL_SECONDS = 0.005
WORKFLOW_RANK = {
    core.WorkflowExecution.QUEUED: 1,
    core.WorkflowExecution.RUNNING: 2,
    core.WorkflowExecution.SUCCEEDING: 3,
    core.WorkflowExecution.SUCCEEDED: 4,
}


WorkflowRequest = admin_event_pb2.WorkflowExecutionEventRequest


def _propeller() -> ModuleType:
    spec = importlib.util.spec_from_file_location("propeller_load", HERE / "propeller_load.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


propeller = _propeller()


@dataclass
class Level:
    concurrency: int
    executions: int
    events: int
    seconds: float
    events_per_second: float
    ack_to_readable_p50_ms: float
    ack_to_readable_p99_ms: float
    raw_kafka_per_second: float
    raw_mongo_per_second: float
    ratio_to_raw_kafka: float
    ratio_to_raw_mongo: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stack() -> tuple[str, str]:
    kafka = f"127.0.0.1:{os.environ.get('FLIGHTDECK_KAFKA_PORT', '19092')}"
    mongo = f"mongodb://127.0.0.1:{os.environ.get('FLIGHTDECK_MONGO_PORT', '27018')}/"
    return kafka, mongo


class Services:
    """The projector and ``gateways`` gateways, as processes, on their own topics and database;
    the gateways' calls are the caller's to spread, as the edge spreads them over replicas."""

    def __init__(self, kafka: str, mongo: str, run: str, gateways: int = 1) -> None:
        self.grpc_ports = [_free_port() for _ in range(gateways)]
        self._http = [_free_port() for _ in range(gateways + 1)]
        self.database = f"bench_events_{run}"
        common = {
            "KAFKA__BOOTSTRAP_SERVERS": kafka,
            "MONGO__URL": mongo,
            "MONGO__DATABASE": self.database,
            "TOPICS__PREFIX": f"bench-{run}.",
            "LOGGING__LEVEL": "WARNING",
        }
        projector = {**common, "SERVER__HTTP_PORT": str(self._http[-1])}
        projector["STORAGE__LOCAL_ROOT"] = str(REPO / "var" / "bench-storage")
        projector["CONSUMER_GROUP"] = f"bench-{run}"
        self.gateways = [
            self._start(
                "flightdeck_events.gateway_server",
                "FLIGHTDECK_EVENTS_GATEWAY_",
                {**common, "SERVER__GRPC_PORT": str(grpc), "SERVER__HTTP_PORT": str(http)},
            )
            for grpc, http in zip(self.grpc_ports, self._http, strict=False)
        ]
        self._processes = [
            *self.gateways,
            self._start("flightdeck_events.app", "FLIGHTDECK_EVENTS_PROJECTOR_", projector),
        ]

    @property
    def grpc_port(self) -> int:
        return self.grpc_ports[0]

    @staticmethod
    def _start(module: str, prefix: str, values: dict[str, str]) -> subprocess.Popen[bytes]:
        env = {**os.environ, **{prefix + k: v for k, v in values.items()}}
        return subprocess.Popen(
            [sys.executable, "-m", module], env=env, stdout=subprocess.DEVNULL, cwd=REPO
        )

    def wait_ready(self, seconds: float = 90.0) -> None:
        deadline = time.monotonic() + seconds
        for port in self._http:
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1):
                        break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the events services did not become ready") from None
                    time.sleep(0.2)

    def stop(self) -> None:
        for process in self._processes:
            process.terminate()
        for process in self._processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


async def _seed(
    collection: AsyncCollection, count: int, run: str, level: int
) -> list[identifier_pb2.WorkflowExecutionIdentifier]:
    ids = [
        identifier_pb2.WorkflowExecutionIdentifier(
            project="bench", domain="development", name=f"b{run[:4]}{level}x{i}"
        )
        for i in range(count)
    ]
    await collection.insert_many(
        [
            {
                **executions.identity(execution_id),
                executions.PHASE: "UNDEFINED",
                "blob": execution_pb2.Execution(id=execution_id).SerializeToString(),
            }
            for execution_id in ids
        ]
    )
    return ids


async def _drive(
    stub: admin_pb2_grpc.AdminServiceStub,
    collection: AsyncCollection,
    ids: list[identifier_pb2.WorkflowExecutionIdentifier],
    concurrency: int,
) -> tuple[int, float, list[float]]:
    """Runs the streams ``concurrency`` at a time; one poller watches every acknowledged
    workflow event until the projection shows its phase (or a later one)."""
    latencies: list[float] = []
    waiting: dict[str, list[tuple[int, float]]] = defaultdict(list)
    queue = iter(ids)
    sent = 0
    streams_done = asyncio.Event()

    async def worker() -> None:
        nonlocal sent
        for execution_id in queue:
            for request in propeller.ExecutionStream(execution_id):
                await propeller.emit(stub, request)
                sent += 1
                if isinstance(request, WorkflowRequest):
                    rank = WORKFLOW_RANK[request.event.phase]
                    waiting[execution_id.name].append((rank, time.monotonic()))

    async def poller() -> None:
        while waiting or not streams_done.is_set():
            names = list(waiting)
            if names:
                found = collection.find(
                    {executions.NAME: {"$in": names}}, {executions.NAME: 1, executions.PHASE: 1}
                )
                async for document in found:
                    shown = WORKFLOW_RANK.get(executions.phase_of(document), 0)
                    now = time.monotonic()
                    samples = waiting[document[executions.NAME]]
                    latencies.extend(now - acked for rank, acked in samples if rank <= shown)
                    samples[:] = [(rank, acked) for rank, acked in samples if rank > shown]
                    if not samples:
                        del waiting[document[executions.NAME]]
            await asyncio.sleep(POLL_SECONDS)

    started = time.monotonic()
    watching = asyncio.create_task(poller())
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    streams_done.set()
    await watching
    return sent, time.monotonic() - started, latencies


async def _raw_kafka(kafka: str, run: str, concurrency: int) -> float:
    """Produce->consume of event-sized records with the gateway's producer settings."""
    topic = f"bench-{run}.raw-{concurrency}"
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka, acks="all", enable_idempotence=True, linger_ms=2
    )
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=kafka,
        auto_offset_reset="earliest",
        group_id=f"bench-{run}-raw-{concurrency}",
    )
    # The local broker creates no topic on first use (as production brokers are set up).
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=4, replication_factor=1)])
    finally:
        await admin.close()
    await producer.start()
    await producer.send_and_wait(topic, b"warms the producer up")
    await consumer.start()
    payload = b"x" * 400
    try:
        started = time.monotonic()
        counter = iter(range(RAW_MESSAGES))

        deadline = started + RAW_CAP_SECONDS
        produced = 0

        async def produce() -> None:
            nonlocal produced
            for i in counter:
                if time.monotonic() > deadline:
                    return
                await producer.send_and_wait(topic, payload, key=str(i % concurrency).encode())
                produced += 1

        async def consume(producing: asyncio.Future[list[None]]) -> None:
            seen = 0
            while not producing.done() or seen < produced + 1:
                batches = await consumer.getmany(timeout_ms=200)
                seen += sum(len(records) for records in batches.values())

        producing = asyncio.gather(*(produce() for _ in range(concurrency)))
        await asyncio.gather(consume(producing), producing)
        return produced / (time.monotonic() - started)
    finally:
        await producer.stop()
        await consumer.stop()


async def _raw_mongo(collection: AsyncCollection, concurrency: int) -> float:
    """Single-document upserts of event-sized documents, as many in flight as executions."""
    payload = b"x" * 400
    counter = iter(range(RAW_MESSAGES))
    started = time.monotonic()
    deadline = started + RAW_CAP_SECONDS
    written = 0

    async def write() -> None:
        nonlocal written
        for i in counter:
            if time.monotonic() > deadline:
                return
            await collection.update_one(
                {"_id": i % 500}, {"$set": {"blob": payload, "n": i}}, upsert=True
            )
            written += 1

    await asyncio.gather(*(write() for _ in range(concurrency)))
    return written / (time.monotonic() - started)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _markdown(levels: list[Level]) -> str:
    header = (
        "concurrent executions",
        "events",
        "events/s",
        "ack→readable p50 ms",
        "p99 ms",
        "raw Kafka msgs/s",
        "raw Mongo writes/s",
        "ratio to raw Kafka",
        "ratio to raw Mongo",
    )
    lines = ["| " + " | ".join(header) + " |", "|" + "---:|" * len(header)]
    for x in levels:
        cells = (
            x.concurrency,
            x.events,
            f"{x.events_per_second:.0f}",
            f"{x.ack_to_readable_p50_ms:.1f}",
            f"{x.ack_to_readable_p99_ms:.1f}",
            f"{x.raw_kafka_per_second:.0f}",
            f"{x.raw_mongo_per_second:.0f}",
            f"{x.ratio_to_raw_kafka:.3f}",
            f"{x.ratio_to_raw_mongo:.3f}",
        )
        lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


async def main() -> None:
    kafka, mongo = _stack()
    run = uuid.uuid4().hex[:8]
    services = Services(kafka, mongo, run)
    client: AsyncMongoClient = AsyncMongoClient(mongo, tz_aware=True)
    levels: list[Level] = []
    try:
        await asyncio.to_thread(services.wait_ready)
        database = client[services.database]
        collection = database[executions.COLLECTION]
        async with grpc.aio.insecure_channel(f"127.0.0.1:{services.grpc_port}") as channel:
            stub = admin_pb2_grpc.AdminServiceStub(channel)
            warmup = await _seed(collection, 2, run, 0)
            await _drive(stub, collection, warmup, 2)
            for concurrency, total in LEVELS:
                ids = await _seed(collection, total, run, concurrency)
                events, seconds, latencies = await _drive(stub, collection, ids, concurrency)
                raw_kafka = await _raw_kafka(kafka, run, concurrency)
                raw_mongo = await _raw_mongo(database["raw_writes"], concurrency)
                rate = events / seconds
                levels.append(
                    Level(
                        concurrency=concurrency,
                        executions=total,
                        events=events,
                        seconds=round(seconds, 3),
                        events_per_second=round(rate, 1),
                        ack_to_readable_p50_ms=round(statistics.median(latencies) * 1000, 1),
                        ack_to_readable_p99_ms=round(_percentile(latencies, 0.99) * 1000, 1),
                        raw_kafka_per_second=round(raw_kafka, 1),
                        raw_mongo_per_second=round(raw_mongo, 1),
                        ratio_to_raw_kafka=round(rate / raw_kafka, 4),
                        ratio_to_raw_mongo=round(rate / raw_mongo, 4),
                    )
                )
                print(_markdown(levels[-1:]).splitlines()[-1], flush=True)
    finally:
        services.stop()
        await client.drop_database(services.database)
        await client.close()
    table = _markdown(levels)
    print(table)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{os.cpu_count()} cpus",
        "events_per_execution": propeller.EVENTS_PER_EXECUTION,
        "raw_messages_per_baseline": RAW_MESSAGES,
        "levels": [asdict(x) for x in levels],
    }
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    TABLE.write_text(
        "# Event pipeline benchmark\n\n"
        f"Measured {report['measured_at']} on {report['machine']}; gateway and projector as "
        "processes on the local stack; baselines measured in the same run at the same "
        "concurrency.\n\n" + table
    )
    print(f"written to {RESULTS} and {TABLE}")


if __name__ == "__main__":
    asyncio.run(main())

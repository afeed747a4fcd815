"""The real dependencies that deploy/local/up runs: Kafka, FerretDB and Redis answer the
drivers the services use, and a second `up` leaves the running stack alone."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
import redis.asyncio as aioredis
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import UnknownTopicOrPartitionError
from aiokafka.structs import ConsumerRecord
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

pytestmark = pytest.mark.integration

COMPONENTS = ("kafka", "ferretdb", "redis", "edge")


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:16]}"


async def _produce(
    bootstrap: str, topic: str, key: bytes, value: bytes, headers: list[tuple[str, bytes]]
) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


async def _consume_one(bootstrap: str, topic: str) -> ConsumerRecord[bytes, bytes]:
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=_unique("it-group"),
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        return await asyncio.wait_for(consumer.getone(), timeout=30)
    finally:
        await consumer.stop()


async def test_kafka_returns_the_produced_key_value_and_headers(kafka_bootstrap: str) -> None:
    topic = _unique("it-local-stack")
    sent = (("reason", b"phase moved backwards"), ("attempt", b"\x00\x01"))
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        # A list of its own: the traced client appends its context to the one it is given.
        await _produce(kafka_bootstrap, topic, b"execution-1", b"payload", list(sent))
        record = await _consume_one(kafka_bootstrap, topic)
        await admin.delete_topics([topic])
    finally:
        await admin.close()
    assert (record.key, record.value) == (b"execution-1", b"payload")
    # Once a test of the session has turned tracing on, the traced client adds its context.
    assert [h for h in record.headers if h[0] not in ("traceparent", "tracestate")] == list(sent)


async def test_kafka_refuses_a_record_for_a_topic_nobody_created(kafka_bootstrap: str) -> None:
    """Every topic is created by the service that owns it; a record for any other name fails
    instead of landing on a topic the broker makes up (auto.create.topics.enable=false)."""
    topic = _unique("it-never-created")
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", request_timeout_ms=3000
    )
    await producer.start()
    try:
        with pytest.raises(UnknownTopicOrPartitionError):
            await producer.send_and_wait(topic, b"for nobody")
    finally:
        await producer.stop()
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        if topic in existing:  # a broker that still auto-creates: leave it as it was
            await admin.delete_topics([topic])
    finally:
        await admin.close()
    assert topic not in existing


async def test_ferretdb_enforces_a_unique_index(mongo_url: str) -> None:
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, serverSelectionTimeoutMS=5000)
    database = client[_unique("it")]
    try:
        executions = database["executions"]
        first = {"_id": "a", "name": "exec-1", "phase": "RUNNING"}
        await executions.insert_one(first)
        await executions.create_index("name", unique=True)
        with pytest.raises(DuplicateKeyError):
            await executions.insert_one({"_id": "b", "name": "exec-1", "phase": "QUEUED"})
        found = await executions.find({}).to_list()
    finally:
        await client.drop_database(database.name)
        await client.close()
    assert found == [first]


async def test_redis_round_trips_and_appends_to_its_log(redis_url: str) -> None:
    client = aioredis.Redis.from_url(redis_url)
    key = _unique("it")
    try:
        await client.set(key, b"signal-value", ex=60)
        value = await client.get(key)
        appendonly = await client.config_get("appendonly")
        await client.delete(key)
    finally:
        await client.aclose()
    assert value == b"signal-value"
    assert appendonly == {"appendonly": "yes"}


def _pids(run_dir: Path) -> dict[str, str]:
    return {c: (run_dir / f"{c}.pid").read_text().strip() for c in COMPONENTS}


async def test_a_second_up_changes_nothing(repo_root: Path) -> None:
    before = _pids(repo_root / "var" / "run")
    process = await asyncio.create_subprocess_exec(
        str(repo_root / "deploy" / "local" / "up"),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=30)
    text = output.decode()
    assert process.returncode == 0, text
    reports = [line for line in text.splitlines() if line.startswith("[up]")]
    assert all("already running" in line for line in reports), text
    assert {line.split()[1] for line in reports} >= set(COMPONENTS), text
    assert _pids(repo_root / "var" / "run") == before

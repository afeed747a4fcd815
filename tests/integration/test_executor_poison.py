"""A command that always fails does not block its partition (real Kafka and FerretDB, a real
executor process): it is dead-lettered after the configured attempts, with its bytes and
position, and the command behind it on the same partition is handled."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from flyteidl.core import identifier_pb2
from pymongo import AsyncMongoClient

from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_records import topics

pytestmark = pytest.mark.integration

MAX_ATTEMPTS = 3
HANDLED_SECONDS = 45.0
"""Generous for 3 attempts a second apart plus the process start and the group join; the old
behaviour (redelivery forever) never gets there."""
RUNS, DEAD_LETTERS = "executor_runs", "executor_dead_letters"


@dataclass
class Isolated:
    """This test's own topic (one partition, so both commands share it), database and group."""

    topic_prefix: str
    topic: str
    database: Any
    database_name: str
    group: str


@pytest.fixture
async def isolated(kafka_bootstrap: str, mongo_url: str) -> AsyncIterator[Isolated]:
    run = uuid.uuid4().hex[:8]
    prefix = f"test-{run}."
    topic = prefix + topics.EXECUTOR_COMMANDS
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    name = f"executor_poison_{run}"
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        yield Isolated(prefix, topic, client[name], name, f"test-executor-{run}")
    finally:
        await admin.delete_topics([topic])
        await admin.close()
        await client.drop_database(name)
        await client.close()


def _execution_id(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name=name)


def _start_executor(
    isolated: Isolated, kafka_bootstrap: str, mongo_url: str, work: Path
) -> subprocess.Popen[bytes]:
    prefix = "FLIGHTDECK_EXECUTOR_"
    env = {
        **os.environ,
        f"{prefix}SERVER__HTTP_PORT": "0",
        f"{prefix}LOGGING__FORMAT": "text",
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": kafka_bootstrap,
        f"{prefix}MONGO__URL": mongo_url,
        f"{prefix}MONGO__DATABASE": isolated.database_name,
        f"{prefix}COMMANDS__TOPIC_PREFIX": isolated.topic_prefix,
        f"{prefix}COMMANDS__CONSUMER_GROUP": isolated.group,
        f"{prefix}COMMANDS__MAX_ATTEMPTS": str(MAX_ATTEMPTS),
        f"{prefix}WORK_DIR": str(work / "work"),
        f"{prefix}STORAGE__LOCAL_ROOT": str(work / "storage"),
        f"{prefix}STORAGE__SIGNING__SECRET": "test-only-signing-secret",
        # No run is driven here; the control plane is never called.
        f"{prefix}CONTROL_PLANE__TARGET": "127.0.0.1:9",
    }
    with (work / "executor.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flightdeck_executor"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _abort_cause(isolated: Isolated, key: str) -> str:
    document = await isolated.database[RUNS].find_one({"_id": key})
    return str(document.get("abort_cause", "")) if document else ""


@pytest.mark.timeout(180)
async def test_a_command_that_always_fails_is_dead_lettered_and_the_next_one_is_handled(
    isolated: Isolated,
    kafka_bootstrap: str,
    mongo_url: str,
    tmp_path: Path,
    stop_process: Callable[..., None],
) -> None:
    # The poison: a creation whose run is already stored, in a form this build cannot read (no
    # partition, state or command), so every attempt to load it raises the same way.
    poison_id, next_id = _execution_id("poison"), _execution_id("next")
    poison_key, next_key = (topics.execution_key(i).decode() for i in (poison_id, next_id))
    await isolated.database[RUNS].insert_one({"_id": poison_key})
    # A finished run (nothing to resume), so the next command's effect is one field changing.
    await isolated.database[RUNS].insert_one(
        {"_id": next_key, "partition": 0, "finished": True, "abort_cause": ""}
    )
    poison = executions_pb2.ExecutorCommand(
        created=executions_pb2.ExecutionCreated(message_id="m-poison", execution_id=poison_id)
    ).SerializeToString()
    following = executions_pb2.ExecutorCommand(
        termination_requested=executions_pb2.ExecutionTerminationRequested(
            execution_id=next_id, cause="stop it"
        )
    ).SerializeToString()
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        await producer.send_and_wait(isolated.topic, poison, key=poison_key.encode(), partition=0)
        await producer.send_and_wait(isolated.topic, following, key=next_key.encode(), partition=0)
    finally:
        await producer.stop()

    executor = _start_executor(isolated, kafka_bootstrap, mongo_url, tmp_path)
    try:
        for _ in range(int(HANDLED_SECONDS / 0.2)):
            if await _abort_cause(isolated, next_key):
                break
            assert executor.poll() is None, (tmp_path / "executor.log").read_text()[-4000:]
            await asyncio.sleep(0.2)
        assert await _abort_cause(isolated, next_key) == "stop it", (
            "the command behind the poison was never handled: the partition is blocked"
        )
        letters = [
            d async for d in isolated.database[DEAD_LETTERS].find({"kind": "command"}, {"_id": 0})
        ]
    finally:
        stop_process(executor)

    assert len(letters) == 1, letters
    letter = letters[0]
    assert letter["payload"] == poison
    assert letter["message_key"] == poison_key.encode()
    assert letter["run"] == poison_key
    assert (letter["topic"], letter["partition"], letter["offset"]) == (isolated.topic, 0, 0)
    assert letter["attempts"] == MAX_ATTEMPTS
    assert "partition" in letter["reason"], letter["reason"]
    assert letter["at"] is not None

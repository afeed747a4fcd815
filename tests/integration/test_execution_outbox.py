"""The executions outbox survives a crash (real Kafka and FerretDB): the admin process is killed
right after an execution's insert, or after the publish but before the message is cleared, and
restarted. Afterwards every accepted execution's ExecutionCreated is on the executor topic at
least once, and exactly once to a consumer that de-duplicates by message id."""

from __future__ import annotations

import collections
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import grpc
import pytest
import testkit
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.structs import TopicPartition
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc
from pymongo import MongoClient

from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2 as commands_pb2
from flightdeck_records import topics

from .crashing_admin import CRASHED

pytestmark = pytest.mark.integration

LAUNCH_PLAN = "sample_workflows.wf_simple"  # a: int (required), b: int = default
READY_SECONDS = 60.0
CRASHING_ADMIN = Path(__file__).with_name("crashing_admin.py")


_free_port = testkit.free_port


class Admin:
    """One admin process on its own ports and database, started and stopped by the test."""

    def __init__(self, mongo_url: str, kafka: str, database: str, storage: Path) -> None:
        self.grpc_port, self.http_port = _free_port(), _free_port()
        self._env = {
            **os.environ,
            "FLIGHTDECK_ADMIN_SERVER__GRPC_PORT": str(self.grpc_port),
            "FLIGHTDECK_ADMIN_SERVER__HTTP_PORT": str(self.http_port),
            "FLIGHTDECK_ADMIN_MONGO__URL": mongo_url,
            "FLIGHTDECK_ADMIN_MONGO__DATABASE": database,
            "FLIGHTDECK_ADMIN_KAFKA__BOOTSTRAP_SERVERS": kafka,
            "FLIGHTDECK_ADMIN_STORAGE__LOCAL_ROOT": str(storage),
            "FLIGHTDECK_ADMIN_OUTBOX__RELAY_INTERVAL_SECONDS": "0.5",
            "FLIGHTDECK_ADMIN_OUTBOX__RELAY_GRACE_SECONDS": "0",
        }
        self._log = storage.parent / "admin.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, crash_at: str = "") -> None:
        """``crash_at``: an outbox checkpoint at which the process dies (crashing_admin.py)."""
        command = (
            [sys.executable, str(CRASHING_ADMIN), crash_at]
            if crash_at
            else [
                sys.executable,
                "-m",
                "flightdeck_admin",
            ]
        )
        with open(self._log, "ab") as log:
            self.process = subprocess.Popen(command, env=self._env, stdout=log, stderr=log)
        deadline = time.monotonic() + READY_SECONDS
        while not self._ready():
            assert self.process.poll() is None, self._log.read_text()[-3000:]
            if time.monotonic() > deadline:
                raise TimeoutError(f"admin not ready: {self._log.read_text()[-3000:]}")
            time.sleep(0.2)

    def _ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.http_port}/readyz"
            with urllib.request.urlopen(url, timeout=1) as response:
                return bool(response.status == 200)
        except OSError:
            return False

    def stub(self) -> admin_pb2_grpc.AdminServiceStub:
        channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")
        return admin_pb2_grpc.AdminServiceStub(channel)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)

    def crashed(self) -> bool:
        assert self.process is not None
        return self.process.wait(timeout=30) == CRASHED


@pytest.fixture
def admin(mongo_url: str, kafka_bootstrap: str, tmp_path: Path) -> Iterator[Admin]:
    database = f"outbox_{uuid.uuid4().hex[:10]}"
    storage = tmp_path / "storage"
    storage.mkdir()
    process = Admin(mongo_url, kafka_bootstrap, database, storage)
    try:
        yield process
    finally:
        process.stop()
        with MongoClient(mongo_url) as client:
            client.drop_database(database)


def _request(project: str, name: str) -> execution_pb2.ExecutionCreateRequest:
    request = execution_pb2.ExecutionCreateRequest(project=project, domain="development", name=name)
    request.spec.launch_plan.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project=project,
            domain="development",
            name=LAUNCH_PLAN,
            version="v1",
        )
    )
    request.inputs.literals["a"].CopyFrom(
        literals_pb2.Literal(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=3))
        )
    )
    return request


def _create_and_crash(admin: Admin, project: str, name: str, crash_at: str) -> None:
    admin.start(crash_at)
    with pytest.raises(grpc.RpcError) as lost:
        admin.stub().CreateExecution(_request(project, name), timeout=30)
    assert lost.value.code() is grpc.StatusCode.UNAVAILABLE
    assert admin.crashed()


async def _partitions(bootstrap: str, topic: str) -> list[int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
        return [partition["partition"] for partition in described["partitions"]]
    finally:
        await admin.close()


async def _published(bootstrap: str, project: str) -> list[commands_pb2.ExecutionCreated]:
    """Every ExecutionCreated for ``project`` now on the topic, duplicates included."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topics.EXECUTOR_COMMANDS, p)
            for p in await _partitions(bootstrap, topics.EXECUTOR_COMMANDS)
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        found: list[commands_pb2.ExecutionCreated] = []
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    command = commands_pb2.ExecutorCommand.FromString(record.value)
                    if command.created.execution_id.project == project:
                        found.append(command.created)
        return found
    finally:
        await consumer.stop()


def _wait_until_nothing_pending(mongo_url: str, database: str) -> None:
    deadline = time.monotonic() + READY_SECONDS
    with MongoClient(mongo_url) as client:
        executions = client[database]["executions"]
        while any(d.get("pending_messages") for d in executions.find({}, {"pending_messages": 1})):
            assert time.monotonic() < deadline, "the relay left messages pending"
            time.sleep(0.3)


async def test_every_accepted_execution_is_published_once_after_crashes(
    admin: Admin,
    register_runnable: Callable[..., str],
    mongo_url: str,
    kafka_bootstrap: str,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    admin.start()
    project = register_runnable(admin.stub(), "obx")
    admin.stub().CreateExecution(_request(project, "steady"))
    admin.stop()
    _create_and_crash(admin, project, "published-not-cleared", "after_publish")
    _create_and_crash(admin, project, "inserted-one", "after_insert")
    _create_and_crash(admin, project, "inserted-two", "after_insert")
    admin.start()
    database = admin._env["FLIGHTDECK_ADMIN_MONGO__DATABASE"]
    _wait_until_nothing_pending(mongo_url, database)

    published = await _published(kafka_bootstrap, project)
    raw = collections.Counter(created.execution_id.name for created in published)
    deduplicated = {created.message_id: created for created in published}
    per_execution = collections.Counter(c.execution_id.name for c in deduplicated.values())
    accepted = {"steady", "published-not-cleared", "inserted-one", "inserted-two"}
    assert per_execution == dict.fromkeys(accepted, 1)
    assert set(raw) == accepted and all(count >= 1 for count in raw.values())
    assert raw["published-not-cleared"] >= 2, "re-published after the crash, same message id"
    for created in deduplicated.values():
        stored = admin.stub().GetExecutionData(
            execution_pb2.WorkflowExecutionGetDataRequest(id=created.execution_id)
        )
        assert stored.full_inputs.literals["a"].scalar.primitive.integer == 3
        assert created.inputs_uri and created.compiled_workflow_uri

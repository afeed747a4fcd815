"""The projector under the faults a Kafka consumer group meets: a replica that stalls past
max.poll.interval while its partitions move to another one (its late write must not win), and a
poison event that fails every time (it must not stall its partition). Real Kafka, real FerretDB,
two projectors in one consumer group."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiokafka import AIOKafkaProducer
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2
from flyteidl.event import event_pb2
from pymongo import AsyncMongoClient

from flightdeck_events.app import ProjectorProcess, build_process
from flightdeck_events.projection.fold import FoldResult
from flightdeck_events.projection.working_set import Wanted, WorkingSet
from flightdeck_events.settings import ProjectorSettings
from flightdeck_events.store.projection_records import MongoProjectionRecords
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import executions, node_executions, task_executions, topics
from flightdeck_records.node_executions import node_key
from flightdeck_records.task_executions import task_key
from flightdeck_storage import open_store

from .conftest import Pipeline, running_pipeline, wait_ready

pytestmark = pytest.mark.integration

POLL_INTERVAL_MS = 4000
"""Short, so the stalled projector is evicted from the group quickly."""


class StallingRecords:
    """The projector's MongoDB records, except that once armed, the next write that updates a
    stored node or task waits until released: a projector that folded a batch and then froze
    (a long GC pause, a stopped VM) while the group moved its partitions on."""

    def __init__(self, records: MongoProjectionRecords) -> None:
        self._records = records
        self._armed = False
        self.stalled = asyncio.Event()
        self.release = asyncio.Event()
        self.late_write_done = asyncio.Event()

    def arm(self) -> None:
        self._armed = True

    async def load(self, wanted: Wanted) -> WorkingSet:
        return await self._records.load(wanted)

    async def write(self, result: FoldResult) -> None:
        updates = [e for e in (*result.nodes.values(), *result.tasks.values()) if e.stored]
        if not (self._armed and updates):
            await self._records.write(result)
            return
        self._armed = False
        self.stalled.set()
        await self.release.wait()
        try:
            await self._records.write(result)
        finally:
            self.late_write_done.set()


@pytest.fixture
async def one_partition(
    kafka_bootstrap: str, mongo_url: str, redis_url: str, tmp_path: Path
) -> AsyncIterator[Pipeline]:
    """The gateway on a one-partition pipeline; the test runs its projectors itself."""
    async with running_pipeline(
        kafka_bootstrap,
        mongo_url,
        redis_url,
        tmp_path / "storage",
        partitions=1,
        projector_in_process=False,
    ) as pipeline:
        yield pipeline


def _name() -> str:
    return f"z{uuid.uuid4().hex[:12]}"


@asynccontextmanager
async def _projector(
    settings: ProjectorSettings, records: StallingRecords | None = None
) -> AsyncIterator[ProjectorProcess]:
    client: AsyncMongoClient = AsyncMongoClient(settings.mongo.url, tz_aware=True)
    blobs = await open_store(settings.storage)
    process = build_process(settings, client, blobs, records)
    await process.host.start()
    try:
        await wait_ready(process.host)
        yield process
    finally:
        await process.host.stop()
        await process.close()
        await blobs.close()
        await client.close()


async def _stored_phases(pipeline, execution_id) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Every node and task record of the execution, by key: its phase."""
    found: dict[str, str] = {}
    prefix = f"{execution_id.project}/{execution_id.domain}/{execution_id.name}/"
    for collection, phase in (
        (node_executions.COLLECTION, node_executions.PHASE),
        (task_executions.COLLECTION, task_executions.PHASE),
    ):
        async for document in pipeline.database[collection].find({}):
            if document["_id"].startswith(prefix):
                found[document["_id"]] = document[phase]
    return found


def _last_phases(stream) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The phase of each node's and task attempt's last event, by record key."""
    last: dict[str, str] = {}
    for request in stream:
        event = request.event
        if isinstance(event, event_pb2.NodeExecutionEvent):
            last[node_key(event.id)] = core.NodeExecution.Phase.Name(event.phase)
        elif isinstance(event, event_pb2.TaskExecutionEvent):
            attempt = identifier_pb2.TaskExecutionIdentifier(
                task_id=event.task_id,
                node_execution_id=event.parent_node_execution_id,
                retry_attempt=event.retry_attempt,
            )
            last[task_key(attempt)] = core.TaskExecution.Phase.Name(event.phase)
    return last


async def test_a_projector_evicted_mid_batch_cannot_overwrite_the_new_owners_records(
    one_partition, mongo_url: str, propeller
) -> None:  # type: ignore[no-untyped-def]
    pipeline = one_partition
    settings = pipeline.projector_settings.model_copy(
        update={"max_poll_interval_ms": POLL_INTERVAL_MS}
    )
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    stalling = StallingRecords(MongoProjectionRecords(client[settings.mongo.database]))
    execution_id = await pipeline.seed_execution(_name())
    stream = list(propeller.ExecutionStream(execution_id))
    try:
        async with _projector(settings, stalling):
            # Up to the first node's QUEUED: the node record exists.
            for request in stream[:3]:
                await propeller.emit_until_taken(pipeline.stub, request)

            async def node_stored() -> bool:
                return bool(await _stored_phases(pipeline, execution_id))

            await pipeline.wait_for(node_stored, seconds=60)
            stalling.arm()
            await propeller.emit_until_taken(pipeline.stub, stream[3])  # node RUNNING
            await asyncio.wait_for(stalling.stalled.wait(), 60)

            async with _projector(settings):
                for request in stream[4:]:
                    await propeller.emit_until_taken(pipeline.stub, request)

                async def succeeded() -> bool:
                    document = await pipeline.database[executions.COLLECTION].find_one(
                        executions.identity(execution_id)
                    )
                    return bool(document and document[executions.PHASE] == "SUCCEEDED")

                await pipeline.wait_for(succeeded, seconds=120)
                settled = await _stored_phases(pipeline, execution_id)

                stalling.release.set()
                await asyncio.wait_for(stalling.late_write_done.wait(), 60)

                after = await _stored_phases(pipeline, execution_id)
    finally:
        await client.close()

    assert after == settled, "the evicted projector's late write changed records"
    assert after == _last_phases(stream)


async def test_an_event_that_always_fails_to_project_is_dead_lettered_and_its_partition_flows_on(
    kafka_bootstrap: str, mongo_url: str, redis_url: str, tmp_path: Path, propeller
) -> None:  # type: ignore[no-untyped-def]
    async with running_pipeline(
        kafka_bootstrap, mongo_url, redis_url, tmp_path / "storage", partitions=1
    ) as pipeline:
        poisoned = await pipeline.seed_execution(_name())
        # Valid protobuf that no gateway would accept: a timestamp past year 9999 cannot become
        # a stored date, so projecting it fails with a ValueError, not a refusal.
        envelope = events_pb2.EventEnvelope(event_id=f"poison-{uuid.uuid4().hex}")
        envelope.workflow.CopyFrom(
            admin_event_pb2.WorkflowExecutionEventRequest(
                event=event_pb2.WorkflowExecutionEvent(
                    execution_id=poisoned, phase=core.WorkflowExecution.RUNNING
                )
            )
        )
        envelope.workflow.event.occurred_at.seconds = 300_000_000_000
        producer = AIOKafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait(
                pipeline.prefix + topics.EVENTS,
                envelope.SerializeToString(),
                key=topics.execution_key(poisoned),
            )
        finally:
            await producer.stop()
        healthy = await pipeline.seed_execution(_name())
        await propeller.run_execution(pipeline.stub, propeller.ExecutionStream(healthy))

        async def healthy_succeeded() -> bool:
            document = await pipeline.database[executions.COLLECTION].find_one(
                executions.identity(healthy)
            )
            return bool(document and document[executions.PHASE] == "SUCCEEDED")

        await pipeline.wait_for(healthy_succeeded, seconds=120)
        found = await pipeline.read_topic(topics.EVENTS_DEAD_LETTER)
        letters = [
            events_pb2.DeadLetter.FromString(value)
            for value in found[pipeline.prefix + topics.EVENTS_DEAD_LETTER]
        ]
        poisoned_document = await pipeline.database[executions.COLLECTION].find_one(
            executions.identity(poisoned)
        )

    assert [letter.payload for letter in letters] == [envelope.SerializeToString()]
    assert letters[0].reason.startswith("projection failed 3 times: ")
    assert poisoned_document is not None and poisoned_document[executions.PHASE] == "UNDEFINED"


class RefusingWrites:
    """The projector's MongoDB records while MongoDB refuses writes (no primary), until
    ``recover()``."""

    def __init__(self, records: MongoProjectionRecords) -> None:
        self._records = records
        self._refusing = True
        self.refused = asyncio.Event()

    def recover(self) -> None:
        self._refusing = False

    async def load(self, wanted: Wanted) -> WorkingSet:
        return await self._records.load(wanted)

    async def write(self, result: FoldResult) -> None:
        if self._refusing:
            self.refused.set()
            raise faults.Unavailable("mongodb: not primary")
        await self._records.write(result)


async def test_a_phase_change_is_announced_only_once_its_record_is_written(
    one_partition, mongo_url: str, propeller
) -> None:  # type: ignore[no-untyped-def]
    pipeline = one_partition
    client: AsyncMongoClient = AsyncMongoClient(mongo_url, tz_aware=True)
    refusing = RefusingWrites(
        MongoProjectionRecords(client[pipeline.projector_settings.mongo.database])
    )
    execution_id = await pipeline.seed_execution(_name())
    queued = next(iter(propeller.ExecutionStream(execution_id)))
    try:
        async with _projector(pipeline.projector_settings, refusing):
            await propeller.emit_until_taken(pipeline.stub, queued)
            await asyncio.wait_for(refusing.refused.wait(), 60)
            while_refused = await pipeline.read_topic(topics.EXECUTION_PHASES, seconds=2)

            refusing.recover()

            async def queued_stored() -> bool:
                document = await pipeline.database[executions.COLLECTION].find_one(
                    executions.identity(execution_id)
                )
                return bool(document and document[executions.PHASE] == "QUEUED")

            await pipeline.wait_for(queued_stored, seconds=60)
            written = await pipeline.read_topic(topics.EXECUTION_PHASES)
    finally:
        await client.close()

    assert while_refused == {pipeline.prefix + topics.EXECUTION_PHASES: []}
    changes = [
        events_pb2.ExecutionPhaseChanged.FromString(value)
        for value in written[pipeline.prefix + topics.EXECUTION_PHASES]
    ]
    assert [(c.execution_id.name, c.phase) for c in changes] == [(execution_id.name, "QUEUED")]

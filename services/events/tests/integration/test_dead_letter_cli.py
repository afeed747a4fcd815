"""``flightdeck-events dlq`` on the stack's Kafka: dead letters built as the projector builds
them, on a prefixed dead-letter topic, listed and replayed through the CLI's ``main``."""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from flyteidl.admin import event_pb2 as admin_event_pb2

from flightdeck_events.cli.main import main
from flightdeck_events.messaging.dead_letters import REPLAYED_FROM_HEADER
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics

pytestmark = pytest.mark.integration

BOOTSTRAP = f"127.0.0.1:{os.environ.get('FLIGHTDECK_KAFKA_PORT', '19092')}"


@dataclass(frozen=True)
class Sent:
    key: bytes
    payload: bytes
    reason: str
    partition: int
    offset: int

    @property
    def position(self) -> str:
        return f"{self.partition}:{self.offset}"


@pytest.fixture
async def prefix() -> AsyncIterator[str]:
    prefix = f"test-{uuid.uuid4().hex[:8]}."
    names = [prefix + topics.EVENTS, prefix + topics.EVENTS_DEAD_LETTER]
    admin = AIOKafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 2, 1) for name in names])
        yield prefix
        await admin.delete_topics(names)
    finally:
        await admin.close()


def envelope(name: str, kind: str) -> bytes:
    event = events_pb2.EventEnvelope(event_id=f"event-{name}")
    event.accepted_at.GetCurrentTime()
    if kind == "node":
        event.node.CopyFrom(admin_event_pb2.NodeExecutionEventRequest(request_id=name))
    else:
        event.workflow.CopyFrom(admin_event_pb2.WorkflowExecutionEventRequest(request_id=name))
    return event.SerializeToString()


async def dead_letter(prefix: str, name: str, payload: bytes, reason: str) -> Sent:
    """What the projector publishes for an event it could not apply."""
    key = f"flytesnacks/development/{name}".encode()
    letter = events_pb2.DeadLetter(
        payload=payload,
        reason=reason,
        source_topic=prefix + topics.EVENTS,
        source_partition=1,
        source_offset=41,
    )
    letter.rejected_at.GetCurrentTime()
    producer = AIOKafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(
            prefix + topics.EVENTS_DEAD_LETTER,
            letter.SerializeToString(),
            key=key,
            headers=[("reason", reason.encode())],
        )
    finally:
        await producer.stop()
    return Sent(key, payload, reason, sent.partition, sent.offset)


@pytest.fixture
async def letters(prefix: str) -> list[Sent]:
    return [
        await dead_letter(prefix, "a", envelope("a", "node"), "execution does not exist"),
        await dead_letter(prefix, "b", envelope("b", "workflow"), "phase moved backwards"),
        await dead_letter(prefix, "c", b"\xff\xff", "not an EventEnvelope: truncated"),
    ]


async def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> list[str]:
    """Runs the command as its console script would, in a thread of its own (it runs its own
    event loop); returns the lines it printed."""
    code = await asyncio.to_thread(main, [*argv, "--bootstrap-servers", BOOTSTRAP])
    assert code == 0
    return capsys.readouterr().out.splitlines()


TRACE_HEADERS = frozenset({"traceparent", "tracestate", "baggage"})
"""Added by the Kafka client's tracing once any test of the session has turned tracing on."""


async def events_topic(prefix: str) -> list[tuple[bytes | None, bytes | None, dict[str, bytes]]]:
    """Every record on the prefixed events topic, read up to its current end, without the
    trace context headers."""
    consumer = AIOKafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=None)
    await consumer.start()
    try:
        partitions = [TopicPartition(prefix + topics.EVENTS, p) for p in (0, 1)]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.seek_to_beginning()
        found = []
        for tp in partitions:
            while await consumer.position(tp) < ends[tp]:
                record = await consumer.getone(tp)
                headers = {k: v for k, v in record.headers if k not in TRACE_HEADERS}
                found.append((record.key, record.value, headers))
        return found
    finally:
        await consumer.stop()


async def test_list_prints_one_line_per_letter_with_its_positions_and_reason(
    prefix: str, letters: list[Sent], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = await cli(capsys, "dlq", "list", "--prefix", prefix)

    rows = sorted(line.split("\t") for line in lines)
    assert [(r[0], r[2], r[3], r[4], r[5]) for r in rows] == sorted(
        (
            sent.position,
            f"{prefix}{topics.EVENTS}:1:41",
            sent.key.decode(),
            kind,
            sent.reason,
        )
        for sent, kind in zip(letters, ["node", "workflow", "undecodable"], strict=True)
    )
    assert all(row[1].endswith("Z") for row in rows)


async def test_list_filters_and_prints_json(
    prefix: str, letters: list[Sent], capsys: pytest.CaptureFixture[str]
) -> None:
    by_reason = await cli(capsys, "dlq", "list", "--prefix", prefix, "--reason", "backwards")
    by_execution = await cli(
        capsys,
        "dlq",
        "list",
        "--prefix",
        prefix,
        "--json",
        "--execution",
        "flytesnacks/development/a",
    )

    assert [line.split("\t")[0] for line in by_reason] == [letters[1].position]
    described = [json.loads(line) for line in by_execution]
    assert [(d["partition"], d["offset"], d["kind"], d["event_id"]) for d in described] == [
        (letters[0].partition, letters[0].offset, "node", "event-a")
    ]


async def test_replay_of_one_letter_publishes_exactly_its_event_with_its_key(
    prefix: str, letters: list[Sent], capsys: pytest.CaptureFixture[str]
) -> None:
    chosen = letters[1]

    lines = await cli(
        capsys, "dlq", "replay", "--prefix", prefix, "--offset", chosen.position, "--execute"
    )

    assert [line.split("\t")[:2] for line in lines] == [["replayed", chosen.position]]
    origin = f"{prefix}{topics.EVENTS_DEAD_LETTER}:{chosen.position}".encode()
    assert await events_topic(prefix) == [
        (chosen.key, chosen.payload, {REPLAYED_FROM_HEADER: origin})
    ]


async def test_replay_is_a_dry_run_without_execute(
    prefix: str, letters: list[Sent], capsys: pytest.CaptureFixture[str]
) -> None:
    lines = await cli(capsys, "dlq", "replay", "--prefix", prefix, "--all", "--json")

    described = [json.loads(line) for line in lines]
    assert sorted((d["partition"], d["offset"], d["replayed"]) for d in described) == sorted(
        (sent.partition, sent.offset, False) for sent in letters
    )
    assert await events_topic(prefix) == []


def test_replay_refuses_to_run_without_a_selection() -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["dlq", "replay", "--execute"])

    assert exit_.value.code == 2

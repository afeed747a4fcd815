"""Dead letters seen by the operator: a record the projector cannot apply is listed by
``flightdeck-events dlq list``, and its replay reaches the projector again."""

from __future__ import annotations

import asyncio
import json

import pytest
from aiokafka import AIOKafkaProducer

from flightdeck_events.cli.main import main
from flightdeck_records import topics

pytestmark = pytest.mark.integration

KEY = b"flytesnacks/development/poisoned"


async def _listed(pipeline, capsys: pytest.CaptureFixture[str]) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    argv = ["dlq", "list", "--json", "--bootstrap-servers", pipeline.kafka_bootstrap]
    assert await asyncio.to_thread(main, [*argv, "--prefix", pipeline.prefix]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


async def test_an_undecodable_event_is_listed_and_its_replay_is_projected_again(
    pipeline,  # type: ignore[no-untyped-def]
    capsys: pytest.CaptureFixture[str],
) -> None:
    events = pipeline.prefix + topics.EVENTS
    producer = AIOKafkaProducer(bootstrap_servers=pipeline.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        sent = await producer.send_and_wait(events, b"\xff not an envelope", key=KEY)
    finally:
        await producer.stop()

    async def letters(count: int) -> list[dict] | None:  # type: ignore[type-arg]
        listed = await _listed(pipeline, capsys)
        return listed if len(listed) >= count else None

    [first] = await pipeline.wait_for(lambda: letters(1), seconds=60)
    assert (first["source_topic"], first["source_partition"], first["source_offset"]) == (
        events,
        sent.partition,
        sent.offset,
    )
    assert (first["execution"], first["kind"]) == (KEY.decode(), "undecodable")

    position = f"{first['partition']}:{first['offset']}"
    argv = ["dlq", "replay", "--offset", position, "--execute", "--prefix", pipeline.prefix]
    assert (
        await asyncio.to_thread(main, [*argv, "--bootstrap-servers", pipeline.kafka_bootstrap]) == 0
    )
    capsys.readouterr()

    # Still undecodable, so the projector sets the replayed copy aside in its turn: proof the
    # replay went back to the topic it consumes, on the execution's partition.
    listed = await pipeline.wait_for(lambda: letters(2), seconds=60)
    replayed = [d for d in listed if d["source_offset"] != sent.offset]
    assert [(d["source_partition"], d["execution"]) for d in replayed] == [
        (sent.partition, KEY.decode())
    ]
    assert replayed[0]["source_offset"] > sent.offset

"""The event pipeline under faults: a projector killed mid-stream, Kafka restarted under load,
each with real processes, a real broker and real FerretDB."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest

from flightdeck_records import executions, node_executions, task_executions, topics

pytestmark = pytest.mark.integration

EXECUTIONS = 6
PAUSE_BETWEEN_EVENTS = 0.02
"""Keeps the streams running long enough for the fault to land in the middle of them."""


def _name() -> str:
    return f"f{uuid.uuid4().hex[:12]}"


def _start_projector(pipeline, log: Path) -> subprocess.Popen[bytes]:  # type: ignore[no-untyped-def]
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "flightdeck_events.app"],
            env=pipeline.projector_environment(),
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def _send(pipeline, propeller, stream) -> None:  # type: ignore[no-untyped-def]
    for request in stream:
        await propeller.emit_until_taken(pipeline.stub, request)
        await asyncio.sleep(PAUSE_BETWEEN_EVENTS)


async def _projector_consumes(pipeline, propeller) -> None:  # type: ignore[no-untyped-def]
    """Waits until the projector has joined its group and projects."""
    probe = await pipeline.seed_execution(_name())
    await propeller.emit(pipeline.stub, next(iter(propeller.ExecutionStream(probe))))

    async def queued() -> bool:
        document = await pipeline.database[executions.COLLECTION].find_one(
            executions.identity(probe)
        )
        return bool(document and document[executions.PHASE] == "QUEUED")

    await pipeline.wait_for(queued, seconds=60)


async def _any_node(pipeline) -> bool:  # type: ignore[no-untyped-def]
    return await pipeline.database[node_executions.COLLECTION].count_documents({}) > 0


async def _all_succeeded(pipeline, names: list[str]) -> bool:  # type: ignore[no-untyped-def]
    done = await pipeline.database[executions.COLLECTION].count_documents(
        {executions.NAME: {"$in": names}, executions.PHASE: "SUCCEEDED"}
    )
    return done == len(names)


def _expected_reasons(stream) -> Counter[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """Every task event carries a distinct reason, so an attempt's reasons count its events."""
    counts: Counter[tuple[str, int]] = Counter()
    for request in stream:
        if hasattr(request.event, "task_id"):
            counts[
                (request.event.parent_node_execution_id.node_id, request.event.retry_attempt)
            ] += 1
    return counts


async def _assert_projected_exactly_once(pipeline, propeller, execution_ids) -> None:  # type: ignore[no-untyped-def]
    for execution_id in execution_ids:
        expected = _expected_reasons(propeller.ExecutionStream(execution_id))
        reasons: Counter[tuple[str, int]] = Counter()
        async for document in pipeline.database[task_executions.COLLECTION].find(
            {task_executions.EXECUTION_NAME: execution_id.name}
        ):
            record = task_executions.task_record_of(document)
            attempt = (document[task_executions.NODE_ID], document[task_executions.RETRY_ATTEMPT])
            reasons[attempt] = len(record.task.closure.reasons)
        assert reasons == expected, execution_id.name
        nodes = await pipeline.database[node_executions.COLLECTION].count_documents(
            {node_executions.EXECUTION_NAME: execution_id.name, node_executions.PHASE: "SUCCEEDED"}
        )
        assert nodes == 5
    dead = await pipeline.read_topic(topics.EVENTS_DEAD_LETTER, seconds=3)
    assert dead == {pipeline.prefix + topics.EVENTS_DEAD_LETTER: []}


async def test_a_projector_killed_mid_stream_loses_nothing_and_applies_nothing_twice(
    pipeline_without_projector, propeller, tmp_path, stop_process
) -> None:  # type: ignore[no-untyped-def]
    pipeline = pipeline_without_projector
    ids = [await pipeline.seed_execution(_name()) for _ in range(EXECUTIONS)]
    log = tmp_path / "projector.log"
    first = _start_projector(pipeline, log)
    try:
        await _projector_consumes(pipeline, propeller)
        sending = asyncio.gather(
            *(_send(pipeline, propeller, propeller.ExecutionStream(i)) for i in ids)
        )
        await pipeline.wait_for(lambda: _any_node(pipeline), seconds=60)
        first.kill()  # SIGKILL: no chance to commit what it projected since the last commit
        first.wait()
        assert not sending.done(), "the streams finished before the projector was killed"
        await sending
    finally:
        stop_process(first, 20)
    second = _start_projector(pipeline, log)
    try:
        await pipeline.wait_for(lambda: _all_succeeded(pipeline, [i.name for i in ids]), 90)
        await _assert_projected_exactly_once(pipeline, propeller, ids)
    finally:
        stop_process(second, 20)


async def test_every_acknowledged_event_survives_a_kafka_restart_under_load(
    pipeline, propeller, repo_root
) -> None:  # type: ignore[no-untyped-def]
    ids = [await pipeline.seed_execution(_name()) for _ in range(EXECUTIONS)]
    sending = asyncio.gather(
        *(_send(pipeline, propeller, propeller.ExecutionStream(i)) for i in ids)
    )
    await pipeline.wait_for(lambda: _any_node(pipeline), seconds=60)
    assert not sending.done(), "the streams finished before Kafka went down"
    for action in ("down", "up"):
        process = await asyncio.create_subprocess_exec(
            str(repo_root / "deploy" / "local" / action), "kafka", stdout=asyncio.subprocess.DEVNULL
        )
        assert await process.wait() == 0
    await sending
    await pipeline.wait_for(lambda: _all_succeeded(pipeline, [i.name for i in ids]), 120)
    await _assert_projected_exactly_once(pipeline, propeller, ids)

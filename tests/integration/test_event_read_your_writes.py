"""A producer with a cluster id sends an execution's events back to back, each to whichever
gateway replica: every one is judged against all those acknowledged before it, not against a
projection that may not have folded them yet."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import grpc
import pytest
from flyteidl.core import execution_pb2 as core

from flightdeck_records import executions, node_executions, task_executions

from .conftest import Pipeline, running_pipeline, stop_process

pytestmark = pytest.mark.integration

EXECUTIONS = 200
CLUSTER = "cluster-a"
IN_FLIGHT = 50
"""Executions sent at once; each one's events go one after the other, as propeller sends them."""


@pytest.fixture
async def two_gateways(
    kafka_bootstrap: str, mongo_url: str, redis_url: str, tmp_path
) -> AsyncIterator[Pipeline]:  # type: ignore[no-untyped-def]
    async with running_pipeline(
        kafka_bootstrap, mongo_url, redis_url, tmp_path / "storage", gateway_replicas=2
    ) as running:
        yield running


async def test_events_sent_back_to_back_through_two_replicas_are_all_accepted_and_projected(
    two_gateways: Pipeline, propeller
) -> None:  # type: ignore[no-untyped-def]
    pipeline = two_gateways
    replica = itertools.cycle(pipeline.replicas)
    ids = [await pipeline.seed_execution(f"ryw{uuid.uuid4().hex[:10]}") for _ in range(EXECUTIONS)]
    streams = [list(propeller.ExecutionStream(i, producer_id=CLUSTER)) for i in ids]
    slots = asyncio.Semaphore(IN_FLIGHT)

    async def send(stream: list) -> None:  # type: ignore[type-arg]
        async with slots:
            for request in stream:
                await propeller.emit(next(replica), request)

    outcomes = await asyncio.gather(*(send(s) for s in streams), return_exceptions=True)
    rejections = [o for o in outcomes if isinstance(o, BaseException)]
    assert rejections == [], f"{len(rejections)} executions had an event refused: {rejections[:3]}"

    names = [i.name for i in ids]
    expected = _expected_projection(streams[0])

    async def all_projected() -> bool:
        finished = await pipeline.database[executions.COLLECTION].count_documents(
            {executions.NAME: {"$in": names}, executions.PHASE: "SUCCEEDED"}
        )
        return finished == EXECUTIONS

    await pipeline.wait_for(all_projected, seconds=120)
    for execution_id in ids:
        assert await _projection(pipeline, execution_id) == expected


def _expected_projection(stream: list) -> dict:  # type: ignore[type-arg]
    """What the events of one stream leave: each entity at the phase of its last event."""
    nodes: dict[str, int] = {}
    tasks: dict[tuple[str, int], int] = {}
    workflow = 0
    for request in stream:
        event = request.event
        if hasattr(event, "execution_id"):
            workflow = event.phase
        elif hasattr(event, "task_id"):
            tasks[(event.parent_node_execution_id.node_id, event.retry_attempt)] = event.phase
        else:
            nodes[event.id.node_id] = event.phase
    return {
        "workflow": (core.WorkflowExecution.Phase.Name(workflow), CLUSTER),
        "nodes": {n: core.NodeExecution.Phase.Name(p) for n, p in nodes.items()},
        "tasks": {k: core.TaskExecution.Phase.Name(p) for k, p in tasks.items()},
    }


async def _projection(pipeline: Pipeline, execution_id) -> dict:  # type: ignore[no-untyped-def,type-arg]
    database = pipeline.database
    document = await database[executions.COLLECTION].find_one(executions.identity(execution_id))
    assert document is not None
    cluster = executions.execution_of(document).spec.metadata.system_metadata.execution_cluster
    scope = {node_executions.EXECUTION_NAME: execution_id.name}
    nodes = {
        d[node_executions.NODE_ID]: d[node_executions.PHASE]
        async for d in database[node_executions.COLLECTION].find(scope)
    }
    tasks = {
        (d[task_executions.NODE_ID], d[task_executions.RETRY_ATTEMPT]): d[task_executions.PHASE]
        async for d in database[task_executions.COLLECTION].find(scope)
    }
    return {"workflow": (document[executions.PHASE], cluster), "nodes": nodes, "tasks": tasks}


class PrivateRedis:
    """A redis-server of the test's own, so stopping it leaves the stack's alone."""

    def __init__(self, directory: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self._directory = directory
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        server = shutil.which("redis-server")
        assert server, "redis-server is installed with the local stack (deploy/local/up)"
        self._process = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self._directory,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                subprocess.run(["sleep", "0.05"], check=True)
        raise AssertionError("the private redis-server did not start")

    def stop(self) -> None:
        if self._process is not None:
            stop_process(self._process)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    redis = PrivateRedis(tmp_path)
    redis.start()
    try:
        yield redis
    finally:
        redis.stop()


async def test_without_redis_events_are_unavailable_and_flow_again_once_it_is_back(
    kafka_bootstrap: str, mongo_url: str, private_redis: PrivateRedis, tmp_path: Path, propeller
) -> None:  # type: ignore[no-untyped-def]
    async with running_pipeline(
        kafka_bootstrap, mongo_url, private_redis.url, tmp_path / "storage"
    ) as pipeline:
        execution_id = await pipeline.seed_execution(f"ryw{uuid.uuid4().hex[:10]}")
        stream = list(propeller.ExecutionStream(execution_id, producer_id=CLUSTER))
        await propeller.emit(pipeline.stub, stream[0])

        private_redis.stop()
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await propeller.emit(pipeline.stub, stream[1])
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "acknowledged state" in (refused.value.details() or "")

        # Back empty, as after a failover to a replica that lost the key: the projection, which
        # has folded the QUEUED by then, seeds it again.
        private_redis.start()
        await pipeline.wait_for(lambda: _cluster_is(pipeline, execution_id, CLUSTER), seconds=30)
        for request in stream[1:]:
            # as propeller does: a connection of the gateway's pool that predates the restart
            # may still answer UNAVAILABLE once
            await propeller.emit_until_taken(pipeline.stub, request, give_up_after=30)

        async def succeeded() -> bool:
            document = await pipeline.database[executions.COLLECTION].find_one(
                executions.identity(execution_id)
            )
            return bool(document) and document[executions.PHASE] == "SUCCEEDED"

        await pipeline.wait_for(succeeded)


async def _cluster_is(pipeline: Pipeline, execution_id, cluster: str) -> bool:  # type: ignore[no-untyped-def]
    document = await pipeline.database[executions.COLLECTION].find_one(
        executions.identity(execution_id)
    )
    execution = executions.execution_of(document) if document else None
    return bool(execution) and (
        execution.spec.metadata.system_metadata.execution_cluster == cluster  # type: ignore[union-attr]
    )

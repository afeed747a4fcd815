"""The ExecutionDataLocator over a real gRPC AdminService: data, attempts, decks, and admin's
statuses translated into the data proxy's failures."""

from __future__ import annotations

import grpc
import pytest
from flyteidl.core import literals_pb2

from flightdeck_dataproxy.clients.admin_records import AdminExecutionRecords
from flightdeck_dataproxy.domain.errors import AttemptNotFound, ExecutionNotFound
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import IoData
from flightdeck_platform import faults

NODE = NodeRef("p", "development", "run1", "n0")


def _ints(**values: int) -> literals_pb2.LiteralMap:
    result = literals_pb2.LiteralMap()
    for name, value in values.items():
        result.literals[name].scalar.primitive.integer = value
    return result


@pytest.fixture
def client(admin_channel: grpc.aio.Channel, executions) -> AdminExecutionRecords:  # type: ignore[no-untyped-def]
    executions.record(
        NODE,
        IoData(_ints(a=1), _ints(o0=2)),
        attempts={1: IoData(_ints(a=3), _ints(o0=4))},
        deck_uri="file:///deck.html",
    )
    return AdminExecutionRecords(admin_channel, timeout_seconds=5)


async def test_node_and_attempt_data_and_the_deck(client: AdminExecutionRecords) -> None:
    assert await client.node_data(NODE) == IoData(_ints(a=1), _ints(o0=2))
    assert await client.attempt_data(NODE, 1) == IoData(_ints(a=3), _ints(o0=4))
    assert await client.deck_uri(NODE) == "file:///deck.html"


async def test_missing_records_are_not_found_and_a_missing_attempt_is_invalid(
    client: AdminExecutionRecords,
) -> None:
    unknown = NodeRef("p", "development", "run1", "absent")
    with pytest.raises(ExecutionNotFound, match="node execution"):
        await client.node_data(unknown)
    with pytest.raises(ExecutionNotFound):
        await client.attempt_data(unknown, 0)
    with pytest.raises(AttemptNotFound, match="no task attempt 7"):
        await client.attempt_data(NODE, 7)


async def test_an_unreachable_admin_is_unavailable(free_port: int) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{free_port}") as channel:
        client = AdminExecutionRecords(channel, timeout_seconds=2)
        with pytest.raises(faults.Unavailable, match="admin did not answer"):
            await client.node_data(NODE)

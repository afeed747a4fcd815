"""Waiting for a signal's value without polling: a blocking read of the execution's event stream,
which every set appends to in the same script that writes the value.

No wake-up is lost: the value and the stream's last entry are read in one MULTI, and the
blocking read starts after that entry, so a set landing in between is the first thing it sees.
A blocking read lasts at most ``slice_seconds`` and is then renewed from the same position, so
it always ends before the client's socket timeout (redis-py's default is 5 s); a set still
wakes it at once.
"""

from __future__ import annotations

import asyncio
from typing import cast

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2
from redis.asyncio import Redis

from flightdeck_signals.domain import signals
from flightdeck_signals.store import rows
from flightdeck_signals.store.keys import ExecutionKeys

_STREAM_START = b"0-0"

_Entry = tuple[bytes, dict[bytes, bytes]]
_Replies = list[tuple[bytes, list[_Entry]]] | None


async def wait_for_signal(
    client: Redis,
    keys: ExecutionKeys,
    signal_id: identifier_pb2.SignalIdentifier,
    timeout_seconds: float,
    slice_seconds: float = 1.0,
) -> signal_pb2.Signal:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_seconds
    position, signal = await _snapshot(client, keys, signal_id)
    wanted = signal_id.signal_id.encode()
    while signal is None:
        remaining_ms = int((deadline - loop.time()) * 1000)
        if remaining_ms <= 0:
            raise TimeoutError(
                f"{signals.describe(signal_id)} was not set within {timeout_seconds:g}s"
            )
        block_ms = min(remaining_ms, max(1, int(slice_seconds * 1000)))
        entries = await _entries_after(client, keys.events, position, block_ms)
        if entries:
            position = entries[-1][0]
        if any(fields.get(b"signal_id") == wanted for _, fields in entries):
            position, signal = await _snapshot(client, keys, signal_id)
    return signal


async def _snapshot(
    client: Redis, keys: ExecutionKeys, signal_id: identifier_pb2.SignalIdentifier
) -> tuple[bytes, signal_pb2.Signal | None]:
    """The stream position and the signal, when it has a value, as of one instant."""
    async with client.pipeline(transaction=True) as reads:
        reads.hget(keys.types, signal_id.signal_id)
        reads.hget(keys.values, signal_id.signal_id)
        reads.xrevrange(keys.events, count=1)
        stored_type, value, last = await reads.execute()
    position = last[0][0] if last else _STREAM_START
    if stored_type is None or value is None:
        return position, None
    execution = signal_id.execution_id
    return position, rows.signal_of(execution, signal_id.signal_id, stored_type, value)


async def _entries_after(
    client: Redis, stream: str, position: bytes, block_ms: int
) -> list[_Entry]:
    replies = cast(_Replies, await client.xread({stream: position}, block=block_ms))
    return [entry for _, entries in replies or [] for entry in entries]

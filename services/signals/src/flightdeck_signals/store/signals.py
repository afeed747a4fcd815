"""The Redis signal store: one Lua script per write (``scripts.py``), one MULTI per read, the
key layout of ``keys.py``. Values are serialized protobuf; nothing is ever found by a scan.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2
from redis import exceptions
from redis.asyncio import Redis

from flightdeck_listing import ListingPlan
from flightdeck_platform import faults
from flightdeck_signals.domain import signals
from flightdeck_signals.domain.errors import SignalChanged, StoreUnavailable
from flightdeck_signals.store import listing, rows, scripts, waiting
from flightdeck_signals.store.keys import SignalKeys

_MISSING, _CHANGED = 0, -1

# Redis out of reach is Unavailable (clients retry that), never INTERNAL.
_translated = faults.translated(
    (exceptions.ConnectionError, exceptions.TimeoutError),
    lambda error: StoreUnavailable(f"redis is unavailable: {error}"),
)


class RedisSignalStore:
    def __init__(
        self,
        client: Redis,
        keys: SignalKeys,
        events_cap: int = 1000,
        wait_slice_seconds: float = 1.0,
    ) -> None:
        self._client = client
        self._keys = keys
        self._events_cap = events_cap
        self._wait_slice_seconds = wait_slice_seconds
        self._get_or_create = client.register_script(scripts.GET_OR_CREATE)
        self._set_value = client.register_script(scripts.SET_VALUE)
        self._sweep = client.register_script(scripts.SWEEP_EXECUTION)
        self._indexed_page = client.register_script(scripts.INDEXED_PAGE)

    @_translated
    async def get_or_create(self, signal: signal_pb2.Signal) -> signal_pb2.Signal:
        execution = signal.id.execution_id
        keys = self._keys.of(execution)
        stored_type, value = await self._get_or_create(
            keys=[keys.types, keys.values, keys.created, keys.updated],
            args=[signal.id.signal_id, rows.serialized(signal.type)],
        )
        return rows.signal_of(execution, signal.id.signal_id, stored_type, value)

    @_translated
    async def get(self, signal_id: identifier_pb2.SignalIdentifier) -> signal_pb2.Signal:
        execution = signal_id.execution_id
        keys = self._keys.of(execution)
        async with self._client.pipeline(transaction=True) as reads:
            reads.hget(keys.types, signal_id.signal_id)
            reads.hget(keys.values, signal_id.signal_id)
            stored_type, value = await reads.execute()
        if stored_type is None:
            raise signals.not_found(signal_id)
        return rows.signal_of(execution, signal_id.signal_id, stored_type, value)

    @_translated
    async def set_value(
        self,
        signal_id: identifier_pb2.SignalIdentifier,
        checked_type: types_pb2.LiteralType,
        value: literals_pb2.Literal,
    ) -> int:
        keys = self._keys.of(signal_id.execution_id)
        count = int(
            await self._set_value(
                keys=[keys.types, keys.values, keys.updated, keys.sets, keys.events],
                args=[
                    signal_id.signal_id,
                    rows.serialized(checked_type),
                    rows.serialized(value),
                    self._events_cap,
                ],
            )
        )
        if count == _MISSING:
            raise signals.not_found(signal_id)
        if count == _CHANGED:
            raise SignalChanged(f"{signals.describe(signal_id)} has another type now")
        return count

    @_translated
    async def list_page(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, plan: ListingPlan
    ) -> tuple[list[signal_pb2.Signal], str]:
        keys = self._keys.of(execution)
        if listing.follows_index(plan):
            page = await listing.indexed_page(self._indexed_page, keys, execution, plan)
            if page is not None:
                return page
        return await listing.scanned_page(self._client, keys, execution, plan)

    @_translated
    async def mark_terminal(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier, terminal_at: datetime
    ) -> None:
        await self._client.zadd(
            self._keys.terminal, {self._keys.tag(execution): rows.to_millis(terminal_at)}
        )

    @_translated
    async def remove_terminal_before(self, cutoff: datetime, limit: int) -> int:
        cutoff_ms = rows.to_millis(cutoff)
        tags = cast(
            list[bytes],
            await self._client.zrange(
                self._keys.terminal, "-inf", cutoff_ms, byscore=True, offset=0, num=limit
            ),
        )
        removed = 0
        for tag in tags:
            keys = self._keys.of_tag(tag.decode())
            removed += int(
                await self._sweep(keys=[self._keys.terminal, *keys.all], args=[tag, cutoff_ms])
            )
        return removed

    @_translated
    async def wait_for_signal(
        self, signal_id: identifier_pb2.SignalIdentifier, timeout_seconds: float
    ) -> signal_pb2.Signal:
        """The signal once it has a value: at once if it has one, else as soon as a set
        notifies its execution's stream. Raises TimeoutError after ``timeout_seconds``."""
        return await waiting.wait_for_signal(
            self._client,
            self._keys.of(signal_id.execution_id),
            signal_id,
            timeout_seconds,
            self._wait_slice_seconds,
        )

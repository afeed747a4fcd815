"""Signal use cases: GetOrCreateSignal, SetSignal, ListSignals (admin.md §7)."""

from __future__ import annotations

from flyteidl.admin import signal_pb2

from flightdeck_listing import arguments_of, plan_listing
from flightdeck_listing.signals import SIGNALS
from flightdeck_signals.domain import signals
from flightdeck_signals.domain.errors import SignalChanged
from flightdeck_signals.service.ports import SignalStore

SET_ATTEMPTS = 3
"""A set retries only when its signal was removed and created again with another type between
the type check and the write; a third such race in a row is reported, not retried."""


class Signals:
    def __init__(self, store: SignalStore) -> None:
        self._store = store

    async def get_or_create(
        self, request: signal_pb2.SignalGetOrCreateRequest
    ) -> signal_pb2.Signal:
        signals.validate_get_or_create(request)
        wanted = signal_pb2.Signal(id=request.id, type=request.type)
        stored = await self._store.get_or_create(wanted)
        signals.require_same_type(stored, request.type)
        return stored

    async def set(self, request: signal_pb2.SignalSetRequest) -> int:
        """Checks the value against the signal's type, then overwrites any earlier value: the
        reference has no "already set" error. Returns the signal's set count."""
        signals.validate_set(request)
        for _ in range(SET_ATTEMPTS):
            signal = await self._store.get(request.id)
            signals.check_value(signal, request.value)
            try:
                return await self._store.set_value(request.id, signal.type, request.value)
            except SignalChanged:
                continue
        raise SignalChanged(
            f"{signals.describe(request.id)} was replaced {SET_ATTEMPTS} times while being set"
        )

    async def list(self, request: signal_pb2.SignalListRequest) -> signal_pb2.SignalList:
        signals.validate_list(request)
        arguments = arguments_of(request)
        plan = plan_listing(
            SIGNALS, arguments.filters, arguments.sort_by, arguments.limit, arguments.token
        )
        found, token = await self._store.list_page(request.workflow_execution_id, plan)
        return signal_pb2.SignalList(signals=found, token=token)

"""SignalService RPCs; REST (``GET /api/v1/signals/{p}/{d}/{n}``, ``POST /api/v1/signals``) is
served by the platform's gateway from the same methods."""

from __future__ import annotations

import grpc
from flyteidl.admin import signal_pb2

from flightdeck_signals.service.signals import Signals


class SignalsApi:
    def __init__(self, signals: Signals) -> None:
        self._signals = signals

    async def GetOrCreateSignal(
        self, request: signal_pb2.SignalGetOrCreateRequest, context: grpc.aio.ServicerContext
    ) -> signal_pb2.Signal:
        return await self._signals.get_or_create(request)

    async def ListSignals(
        self, request: signal_pb2.SignalListRequest, context: grpc.aio.ServicerContext
    ) -> signal_pb2.SignalList:
        return await self._signals.list(request)

    async def SetSignal(
        self, request: signal_pb2.SignalSetRequest, context: grpc.aio.ServicerContext
    ) -> signal_pb2.SignalSetResponse:
        await self._signals.set(request)
        return signal_pb2.SignalSetResponse()

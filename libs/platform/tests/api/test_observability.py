"""Each call leaves a span continuing the caller's trace, metrics by code, and health states."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import grpc
import pytest
from flyteidl.admin import common_pb2, version_pb2
from flyteidl.service import admin_pb2_grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from flightdeck_platform import faults
from flightdeck_platform.settings import TelemetrySettings
from flightdeck_platform.telemetry import configure_tracing
from flightdeck_proto import services

CALLER_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN_ID = "00f067aa0ba902b7"


class Admin:
    async def GetVersion(self, request, context):  # type: ignore[no-untyped-def]
        return version_pb2.GetVersionResponse()

    async def GetTask(self, request, context):  # type: ignore[no-untyped-def]
        raise faults.NotFound("no such task")


async def _eventually(condition: Callable[[], bool], seconds: float = 2.0) -> None:
    for _ in range(int(seconds / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    assert condition()


def _server_spans(spans: InMemorySpanExporter, method: str) -> list[ReadableSpan]:
    """The server's spans of ``method``: the caller's channel has client spans of its own."""
    return [
        s
        for s in spans.get_finished_spans()
        if s.name.endswith(method) and s.kind == SpanKind.SERVER
    ]


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing(TelemetrySettings(), "test", "0", SimpleSpanProcessor(exporter))
    return exporter


async def test_server_span_continues_the_callers_trace(serve, spans) -> None:  # type: ignore[no-untyped-def]
    spans.clear()
    _, channel = await serve([(services.ADMIN, Admin())])
    traceparent = f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"
    # The stub's channel is traced too: its client span carries the caller's trace.
    token = otel_context.attach(propagate.extract({"traceparent": traceparent}))
    try:
        await admin_pb2_grpc.AdminServiceStub(channel).GetVersion(version_pb2.GetVersionRequest())
    finally:
        otel_context.detach(token)
    await _eventually(
        lambda: any(s.name.endswith("GetVersion") for s in spans.get_finished_spans())
    )
    (span,) = _server_spans(spans, "GetVersion")
    assert format(span.context.trace_id, "032x") == CALLER_TRACE_ID
    (client,) = [
        s
        for s in spans.get_finished_spans()
        if s.name.endswith("GetVersion") and s.kind == SpanKind.CLIENT
    ]
    assert client.parent is not None and format(client.parent.span_id, "016x") == CALLER_SPAN_ID
    assert span.parent is not None and span.parent.span_id == client.context.span_id
    assert span.attributes["rpc.service"] == "flyteidl.service.AdminService"
    assert span.attributes["rpc.grpc.status_code"] == 0


async def test_failed_call_marks_span_and_counts_code(serve, spans) -> None:  # type: ignore[no-untyped-def]
    spans.clear()
    labels = {
        "grpc_service": "flyteidl.service.AdminService",
        "grpc_method": "GetTask",
        "grpc_code": "NOT_FOUND",
    }
    before = REGISTRY.get_sample_value("grpc_server_handled_total", labels) or 0.0
    _, channel = await serve([(services.ADMIN, Admin())])
    with pytest.raises(grpc.aio.AioRpcError):
        await admin_pb2_grpc.AdminServiceStub(channel).GetTask(common_pb2.ObjectGetRequest())
    # The status reaches the client before the server's interceptors finish unwinding.
    await _eventually(
        lambda: REGISTRY.get_sample_value("grpc_server_handled_total", labels) == before + 1
    )
    await _eventually(lambda: any(s.name.endswith("GetTask") for s in spans.get_finished_spans()))
    (span,) = _server_spans(spans, "GetTask")
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert not span.status.is_ok


async def test_health_follows_readiness_for_every_name(serve) -> None:  # type: ignore[no-untyped-def]
    endpoint, channel = await serve([(services.ADMIN, Admin())], ["flyteadmin"])
    health = health_pb2_grpc.HealthStub(channel)
    names = ["", "flyteidl.service.AdminService", "flyteadmin"]
    for serving, expected in (
        (True, health_pb2.HealthCheckResponse.SERVING),
        (False, health_pb2.HealthCheckResponse.NOT_SERVING),
    ):
        await endpoint.set_serving(serving)
        for name in names:
            response = await health.Check(health_pb2.HealthCheckRequest(service=name))
            assert response.status == expected, name

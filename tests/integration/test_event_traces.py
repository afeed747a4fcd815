"""One trace runs from the gateway's RPC through the Kafka record to the projector's write."""

from __future__ import annotations

import uuid

import pytest
from flyteidl.admin import event_pb2 as admin_event_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.event import event_pb2
from opentelemetry import context as otel_context
from opentelemetry import propagate
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from flightdeck_platform.settings import TelemetrySettings
from flightdeck_platform.telemetry import configure_tracing
from flightdeck_records import executions, topics

pytestmark = pytest.mark.integration

CALLER_TRACE_ID = uuid.uuid4().hex
CALLER_SPAN_ID = uuid.uuid4().hex[:16]


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    configure_tracing(TelemetrySettings(), "test", "0", SimpleSpanProcessor(exporter))
    return exporter


def _parent_of(span: ReadableSpan, candidates: list[ReadableSpan]) -> ReadableSpan:
    assert span.parent is not None, f"{span.name} has no parent"
    (parent,) = [c for c in candidates if c.context.span_id == span.parent.span_id]
    return parent


def _ancestors(span: ReadableSpan, candidates: list[ReadableSpan]) -> list[ReadableSpan]:
    """The span's parents within ``candidates``, nearest first, up to the first one whose
    parent is not among them (the caller's span)."""
    found = []
    by_id = {c.context.span_id: c for c in candidates}
    while span.parent is not None and span.parent.span_id in by_id:
        span = by_id[span.parent.span_id]
        found.append(span)
    return found


async def test_the_trace_reaches_the_projection_write(pipeline, spans) -> None:  # type: ignore[no-untyped-def]
    execution_id = await pipeline.seed_execution(f"e{uuid.uuid4().hex[:12]}")
    event = event_pb2.WorkflowExecutionEvent(
        execution_id=execution_id, phase=core.WorkflowExecution.RUNNING, producer_id="propeller"
    )
    event.occurred_at.GetCurrentTime()
    # The stub's channel is traced: its client span continues the caller's trace.
    caller = propagate.extract({"traceparent": f"00-{CALLER_TRACE_ID}-{CALLER_SPAN_ID}-01"})
    token = otel_context.attach(caller)
    try:
        await pipeline.stub.CreateWorkflowEvent(
            admin_event_pb2.WorkflowExecutionEventRequest(event=event)
        )
    finally:
        otel_context.detach(token)

    async def running() -> bool:
        document = await pipeline.database[executions.COLLECTION].find_one(
            executions.identity(execution_id)
        )
        return bool(document and document[executions.PHASE] == "RUNNING")

    await pipeline.wait_for(running)
    events_topic = pipeline.prefix + topics.EVENTS

    def trace_spans() -> list[ReadableSpan]:
        return [
            s
            for s in spans.get_finished_spans()
            if format(s.context.trace_id, "032x") == CALLER_TRACE_ID
        ]

    def whole_chain_exported() -> bool:
        # Spans are exported as they end, and the outer ones (the projector's processing,
        # the gateway's server span) end a moment after the inner ones: wait until the
        # write's ancestry reaches back to the caller's span.
        chain = trace_spans()
        return any(
            format(a.parent.span_id, "016x") == CALLER_SPAN_ID
            for w in chain
            if w.name == "mongodb bulk_write executions"
            for a in _ancestors(w, chain)
            if a.parent is not None
        )

    await pipeline.wait_for(_async(whole_chain_exported))
    chain = trace_spans()
    write = next(s for s in chain if s.name == "mongodb bulk_write executions")
    process = _parent_of(write, chain)
    assert process.name == f"{events_topic} process"
    # Between the gateway's call and the projector's processing: the record's production
    # (the gateway's own span and the traced Kafka client's, whichever carried the context).
    ancestors = _ancestors(process, chain)
    produced = {f"{events_topic} publish", f"{events_topic} send"}
    assert produced & {a.name for a in ancestors}, [a.name for a in ancestors]
    rpc = next(
        a
        for a in ancestors
        if a.name.endswith("AdminService/CreateWorkflowEvent") and a.kind == SpanKind.SERVER
    )
    client = _parent_of(rpc, chain)
    assert client.kind == SpanKind.CLIENT
    assert format(client.parent.span_id, "016x") == CALLER_SPAN_ID  # type: ignore[union-attr]
    assert any(
        s.name == "mongodb find executions" and s.parent.span_id == rpc.context.span_id
        for s in chain
    )  # type: ignore[union-attr]


def _async(check):  # type: ignore[no-untyped-def]
    async def probe() -> bool:
        return bool(check())

    return probe

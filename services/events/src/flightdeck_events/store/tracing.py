"""Client spans around the events services' MongoDB and Redis calls, so a trace reaches the
store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opentelemetry import trace

_tracer = trace.get_tracer("flightdeck.events.store")


@contextmanager
def mongo_span(operation: str, collection: str) -> Iterator[trace.Span]:
    with _tracer.start_as_current_span(
        f"mongodb {operation} {collection}",
        kind=trace.SpanKind.CLIENT,
        attributes={
            "db.system": "mongodb",
            "db.operation.name": operation,
            "db.collection.name": collection,
        },
    ) as span:
        yield span


@contextmanager
def redis_span(command: str) -> Iterator[trace.Span]:
    with _tracer.start_as_current_span(
        f"redis {command}",
        kind=trace.SpanKind.CLIENT,
        attributes={"db.system": "redis", "db.operation.name": command},
    ) as span:
        yield span

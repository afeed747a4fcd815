"""W3C trace context in message headers (Kafka's ``(name, bytes)`` pairs), so a trace continues
from the RPC that produced a record to the consumer that applies it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from opentelemetry import context, propagate

Headers = Sequence[tuple[str, bytes]]


def trace_headers() -> list[tuple[str, bytes]]:
    """The current span's context as headers (``traceparent``, ``tracestate``, ``baggage``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return [(name, value.encode()) for name, value in carrier.items()]


def context_from(headers: Iterable[tuple[str, bytes]] | None) -> context.Context:
    """The producer's context; an empty one when the record carries none."""
    carrier = {name: value.decode(errors="replace") for name, value in headers or ()}
    return propagate.extract(carrier)

"""OpenTelemetry tracing: W3C trace context everywhere, OTLP export when an endpoint is set, and
the providers flushed when the process stops."""

from __future__ import annotations

import importlib
import importlib.util

from opentelemetry import metrics, propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from flightdeck_platform.settings import TelemetrySettings


def configure_tracing(
    settings: TelemetrySettings, service: str, version: str, *extra: SpanProcessor
) -> TracerProvider:
    """Install the process-wide tracer provider. ``extra`` lets tests add in-memory exporters.

    OpenTelemetry allows one global provider per process; when several services share a process
    (tests do this) the first one's provider is kept and the later processors join it.
    """
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        for processor in extra:
            current.add_span_processor(processor)
        return current
    provider = TracerProvider(
        resource=Resource.create({"service.name": service, "service.version": version}),
        sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
    )
    if settings.otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=settings.otlp_endpoint, insecure=True)
        provider.add_span_processor(BatchSpanProcessor(exporter))
    for processor in extra:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    propagate.set_global_textmap(
        CompositePropagator([TraceContextTextMapPropagator(), W3CBaggagePropagator()])
    )
    instrument_clients()
    return provider


# Each instrumentation imports its driver when it instruments, and a service image installs only
# the drivers its own code uses (admin has no Redis client, signals no MongoDB one), so an
# instrumentation is applied only where its driver is present.
CLIENT_INSTRUMENTATIONS: tuple[tuple[str, str, str], ...] = (
    ("pymongo", "opentelemetry.instrumentation.pymongo", "PymongoInstrumentor"),
    ("redis", "opentelemetry.instrumentation.redis", "RedisInstrumentor"),
    ("aiokafka", "opentelemetry.instrumentation.aiokafka", "AIOKafkaInstrumentor"),
    ("grpc", "opentelemetry.instrumentation.grpc", "GrpcAioInstrumentorClient"),
)


def instrument_clients() -> list[str]:
    """Client spans for every MongoDB command, Redis command, Kafka record and outgoing gRPC
    call of the process, whichever service or library sends it, so the drivers need no spans
    of their own; the Kafka and gRPC ones carry the trace context to the next service.
    Returns the drivers found installed (and so instrumented)."""
    instrumented = []
    for driver, module_name, class_name in CLIENT_INSTRUMENTATIONS:
        if importlib.util.find_spec(driver) is None:
            continue
        instrumentor = getattr(importlib.import_module(module_name), class_name)()
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument()
        instrumented.append(driver)
    return instrumented


def shutdown_telemetry() -> None:
    """Exports what the process-wide providers still hold (the batch processor sends spans
    every few seconds, so the last ones of a stopping process are still queued) and stops
    them. flightdeck's own metrics are Prometheus', scraped, with nothing to send; a meter
    provider of the SDK installed in the process (auto-instrumentation) is flushed the same."""
    tracer_provider = trace.get_tracer_provider()
    if isinstance(tracer_provider, TracerProvider):
        tracer_provider.force_flush()
        tracer_provider.shutdown()
    meter_provider = metrics.get_meter_provider()
    if isinstance(meter_provider, MeterProvider):
        meter_provider.force_flush()
        meter_provider.shutdown()

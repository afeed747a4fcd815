"""OpenTelemetry tracing: W3C trace context everywhere, OTLP export when an endpoint is set."""

from __future__ import annotations

from opentelemetry import propagate, trace
from opentelemetry.baggage.propagation import W3CBaggagePropagator
from opentelemetry.propagators.composite import CompositePropagator
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
    return provider

"""Server interceptors, outermost first: tracing, metrics, logging, errors, [authentication].

Each wraps unary-unary behaviours; the error mapping wraps streaming ones too (the agents'
log and sync-execution streams). The streaming methods of health and reflection pass through
untouched, as their handlers come from grpc itself.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import grpc
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from flightdeck_platform import faults, metrics
from flightdeck_platform.rpc.errors import code_of, status_trailer, truncate
from flightdeck_platform.rpc.names import split_method

Behavior = Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
Wrapper = Callable[[Behavior, Any, grpc.aio.ServicerContext], Awaitable[Any]]

_log = logging.getLogger("flightdeck.rpc")


def _final_code(context: grpc.aio.ServicerContext, failed: bool) -> grpc.StatusCode:
    code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    return grpc.StatusCode.UNKNOWN if failed else grpc.StatusCode.OK


class UnaryInterceptor(grpc.aio.ServerInterceptor):
    """Base: subclasses implement ``around(method, behavior, request, context)``."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.request_streaming or handler.response_streaming:
            return handler
        method = handler_call_details.method
        metadata = handler_call_details.invocation_metadata or ()
        behavior = handler.unary_unary

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            return await self.around(method, metadata, behavior, request, context)

        return handler._replace(unary_unary=wrapped)  # type: ignore[attr-defined]

    async def around(
        self,
        method: str,
        metadata: Sequence[tuple[str, str | bytes]],
        behavior: Behavior,
        request: Any,
        context: grpc.aio.ServicerContext,
    ) -> Any:
        raise NotImplementedError


async def _call_then_report(
    behavior: Behavior,
    request: Any,
    context: grpc.aio.ServicerContext,
    report: Callable[[grpc.StatusCode], None],
) -> Any:
    """Run the call and hand its final status code to ``report``, whether it returned or raised."""
    failed = True
    try:
        response = await behavior(request, context)
        failed = False
        return response
    finally:
        report(_final_code(context, failed))


class TracingInterceptor(UnaryInterceptor):
    """A server span per call, continuing the caller's W3C trace context."""

    def __init__(self) -> None:
        self._tracer = trace.get_tracer("flightdeck.rpc")

    async def around(self, method, metadata, behavior, request, context):  # type: ignore[no-untyped-def]
        carrier = {k: v for k, v in metadata if isinstance(v, str)}
        token = otel_context.attach(propagate.extract(carrier))
        service, name = split_method(method)
        try:
            with self._tracer.start_as_current_span(
                method.lstrip("/"),
                kind=trace.SpanKind.SERVER,
                attributes={"rpc.system": "grpc", "rpc.service": service, "rpc.method": name},
                record_exception=False,
                set_status_on_exception=False,
            ) as span:

                def report(code: grpc.StatusCode) -> None:
                    span.set_attribute("rpc.grpc.status_code", code.value[0])
                    if code is not grpc.StatusCode.OK:
                        span.set_status(trace.StatusCode.ERROR, code.name)

                return await _call_then_report(behavior, request, context, report)
        finally:
            otel_context.detach(token)


class MetricsInterceptor(UnaryInterceptor):
    async def around(self, method, metadata, behavior, request, context):  # type: ignore[no-untyped-def]
        service, name = split_method(method)
        metrics.GRPC_STARTED.labels(service, name).inc()
        started = time.perf_counter()

        def report(code: grpc.StatusCode) -> None:
            elapsed = time.perf_counter() - started
            metrics.GRPC_HANDLING_SECONDS.labels(service, name).observe(elapsed)
            metrics.GRPC_HANDLED.labels(service, name, code.name).inc()

        return await _call_then_report(behavior, request, context, report)


class LoggingInterceptor(UnaryInterceptor):
    """One line per call: failures at warning (internal errors at error), successes at debug."""

    async def around(self, method, metadata, behavior, request, context):  # type: ignore[no-untyped-def]
        started = time.perf_counter()

        def report(code: grpc.StatusCode) -> None:
            level = _level_for(code)
            if _log.isEnabledFor(level):
                elapsed_ms = round((time.perf_counter() - started) * 1000, 3)
                fields = {"rpc_method": method, "grpc_code": code.name, "duration_ms": elapsed_ms}
                _log.log(level, "rpc finished", extra={**fields, "peer": context.peer()})

        return await _call_then_report(behavior, request, context, report)


def _level_for(code: grpc.StatusCode) -> int:
    if code is grpc.StatusCode.OK:
        return logging.DEBUG
    if code in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN, grpc.StatusCode.DATA_LOSS):
        return logging.ERROR
    return logging.WARNING


class ErrorInterceptor(UnaryInterceptor):
    """The one place where failures become gRPC statuses, for streaming calls as well: a stream
    that fails midway ends with the fault's status after the responses already sent."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None:
            return handler
        streaming = handler.request_streaming or handler.response_streaming
        if streaming and method.startswith(_GRPC_OWN):
            return handler
        kind = _KINDS[(handler.request_streaming, handler.response_streaming)]
        behavior = getattr(handler, kind)
        if handler.response_streaming:
            return handler._replace(**{kind: self._streaming(method, behavior)})  # type: ignore[attr-defined]

        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            return await self.around(method, (), behavior, request, context)

        return handler._replace(**{kind: wrapped})  # type: ignore[attr-defined]

    def _streaming(self, method: str, behavior: Any) -> Any:
        async def wrapped(request: Any, context: grpc.aio.ServicerContext) -> Any:
            try:
                async for response in behavior(request, context):
                    yield response
            except grpc.aio.AbortError:
                raise
            except Exception as error:
                await _abort(method, error, context)

        return wrapped

    async def around(self, method, metadata, behavior, request, context):  # type: ignore[no-untyped-def]
        try:
            return await behavior(request, context)
        except grpc.aio.AbortError:
            raise
        except Exception as error:
            await _abort(method, error, context)


_GRPC_OWN = "/grpc."
"""Health and reflection: grpc's own handlers, which write to the context themselves."""


_KINDS = {
    (False, False): "unary_unary",
    (False, True): "unary_stream",
    (True, False): "stream_unary",
    (True, True): "stream_stream",
}


async def _abort(method: str, error: Exception, context: grpc.aio.ServicerContext) -> None:
    if isinstance(error, faults.Fault):
        code = code_of(error)
        message = truncate(error.message)
        await context.abort(
            code, message, trailing_metadata=status_trailer(code, message, error.details)
        )
    trace_id = format(trace.get_current_span().get_span_context().trace_id, "032x")
    _log.error(
        "unexpected error",
        exc_info=error,
        extra={"rpc_method": method, "trace_id": trace_id},
    )
    await context.abort(grpc.StatusCode.INTERNAL, f"internal error; trace id {trace_id}")


def standard_chain(
    authentication: Sequence[grpc.aio.ServerInterceptor] = (),
) -> list[grpc.aio.ServerInterceptor]:
    """The order every service uses; authentication runs inside the error mapping so its faults
    become statuses like any other."""
    return [
        TracingInterceptor(),
        MetricsInterceptor(),
        LoggingInterceptor(),
        ErrorInterceptor(),
        *authentication,
    ]

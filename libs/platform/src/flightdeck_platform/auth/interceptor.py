"""The gRPC server interceptor: every call of every kind (unary and streaming, grpc's own
health and reflection included) is authenticated before its handler is reached, unless its
service is on the anonymous list. The caller's principal is bound for the handler."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import grpc

from flightdeck_platform import faults
from flightdeck_platform.auth import principal
from flightdeck_platform.auth.anonymous import is_anonymous_method
from flightdeck_platform.auth.tokens import TokenValidator, bearer_token

_log = logging.getLogger("flightdeck.auth")

_KINDS = {
    (False, False): ("unary_unary", grpc.unary_unary_rpc_method_handler),
    (False, True): ("unary_stream", grpc.unary_stream_rpc_method_handler),
    (True, False): ("stream_unary", grpc.stream_unary_rpc_method_handler),
    (True, True): ("stream_stream", grpc.stream_stream_rpc_method_handler),
}

Authorize = Callable[[str, principal.Principal, Any], None]
"""Checks a caller may make this call (the per-project policy); raises PermissionDenied."""


class AuthInterceptor(grpc.aio.ServerInterceptor):
    def __init__(
        self, validator: TokenValidator, header: str, authorize: Authorize | None = None
    ) -> None:
        self._validator = validator
        self._header = header
        self._authorize = authorize

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        method = handler_call_details.method
        if handler is None or is_anonymous_method(method):
            return handler
        try:
            token = bearer_token(handler_call_details.invocation_metadata or (), self._header)
            caller = await self._validator.principal(token)
        except faults.Fault as refused:
            return _refusal(handler, refused)
        return _bound(handler, method, caller, self._authorize)


def _status(fault: faults.Fault) -> grpc.StatusCode:
    if isinstance(fault, faults.Unavailable):
        return grpc.StatusCode.UNAVAILABLE
    if isinstance(fault, faults.PermissionDenied):
        return grpc.StatusCode.PERMISSION_DENIED
    return grpc.StatusCode.UNAUTHENTICATED


def _refusal(handler: grpc.RpcMethodHandler, refused: faults.Fault) -> grpc.RpcMethodHandler:
    """A handler of the same kind that only answers the refusal: the real one never runs."""
    _, build = _KINDS[(handler.request_streaming, handler.response_streaming)]
    code = _status(refused)
    _log.info("call refused", extra={"grpc_code": code.name, "reason": refused.message})

    async def refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(code, refused.message)

    async def refuse_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(code, refused.message)
        yield  # an async generator, as streaming handlers must be

    return build(
        refuse_stream if handler.response_streaming else refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


def _bound(
    handler: grpc.RpcMethodHandler,
    method: str,
    caller: principal.Principal,
    authorize: Authorize | None,
) -> grpc.RpcMethodHandler:
    name, _ = _KINDS[(handler.request_streaming, handler.response_streaming)]
    behavior = getattr(handler, name)

    if handler.response_streaming:

        async def stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
            # Not reset: a generator may be finalised in another context, and each call runs
            # in a task of its own, so the binding dies with the call.
            principal.bind(caller)
            if authorize is not None:
                authorize(method, caller, request)
            async for response in behavior(request, context):
                yield response

        return handler._replace(**{name: stream})  # type: ignore[attr-defined]

    async def unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
        token = principal.bind(caller)
        try:
            if authorize is not None:
                authorize(method, caller, request)
            return await behavior(request, context)
        finally:
            principal.unbind(token)

    return handler._replace(**{name: unary})  # type: ignore[attr-defined]

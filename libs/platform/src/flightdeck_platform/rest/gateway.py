"""The REST gateway: an ASGI app that serves gRPC methods over HTTP per their ``google.api.http``
rules, by making a real unary call over a channel (the service's own server on loopback), so
every server interceptor applies to REST traffic exactly as to gRPC traffic.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import grpc
from google.protobuf.message import Message
from opentelemetry import context as otel_context
from opentelemetry import propagate
from starlette.requests import Request
from starlette.types import Receive, Scope, Send

from flightdeck_platform.rest import errors, metadata, replies
from flightdeck_platform.rest.codec import Codec, negotiate
from flightdeck_platform.rest.endpoints import Endpoint, Query, compile_endpoint
from flightdeck_platform.rest.replies import Reply
from flightdeck_platform.rest.router import Router
from flightdeck_proto.routes import Route

_log = logging.getLogger(__name__)


class RestGateway:
    """ASGI app for ``routes`` over ``channel``; everything per-route is built here, once.

    ``reject_unknown_query`` answers 400 to query parameters that name no request field.
    grpc-gateway itself ignores them (runtime/query.go); pass ``False`` for that behaviour.
    """

    def __init__(
        self,
        routes: Iterable[Route],
        channel: grpc.aio.Channel,
        *,
        reject_unknown_query: bool = True,
    ) -> None:
        endpoints = [
            compile_endpoint(route, binding, channel, reject_unknown_query=reject_unknown_query)
            for route in routes
            for binding in route.bindings
        ]
        self._router = Router((e.binding.verb, e.template, e) for e in endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await (await self._reply(Request(scope, receive))).send(send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1000})
        elif scope["type"] == "lifespan":
            await _run_lifespan(receive, send)

    async def _reply(self, request: Request) -> Reply:
        inbound, outbound = negotiate(
            request.headers.get("content-type"), request.headers.get("accept")
        )
        try:
            return await self._forward(request, inbound, outbound)
        except errors.GatewayError as e:
            return replies.failure(e.status, e.http_status, outbound)
        except grpc.aio.AioRpcError as e:
            return _rpc_failure(e, outbound)
        except Exception:
            _log.exception("REST gateway failed on %s %s", request.method, request.url.path)
            return replies.last_resort("internal error in the REST gateway")

    async def _forward(self, request: Request, inbound: Codec, outbound: Codec) -> Reply:
        endpoint, params = self._router.resolve(request.method, _raw_path(request))
        body = await request.body() if endpoint.reads_body else b""
        message = endpoint.build_request(params, _query(request), body, inbound)
        response, returned = await _invoke(endpoint, request, message)
        headers = metadata.response_headers(returned)
        return replies.success(response, endpoint.response_field, outbound, headers)


async def _invoke(
    endpoint: Endpoint, request: Request, message: Message
) -> tuple[Message, metadata.MetadataPairs]:
    peer = request.client.host if request.client else None
    outgoing = metadata.request_metadata(request.headers, peer)
    # The loopback call is a traced gRPC client call, which writes its own trace context over
    # the forwarded one: it must be made inside the HTTP caller's trace to continue it.
    token = otel_context.attach(propagate.extract(request.headers))
    try:
        return await endpoint.invoke(message, outgoing, metadata.timeout(request.headers))
    finally:
        otel_context.detach(token)


def _rpc_failure(error: grpc.aio.AioRpcError, codec: Codec) -> Reply:
    returned = [*(error.initial_metadata() or ()), *(error.trailing_metadata() or ())]
    status = errors.status_of(error)
    http_status = errors.http_status(error.code())
    return replies.failure(status, http_status, codec, metadata.response_headers(returned))


def _raw_path(request: Request) -> str:
    # The decoded path would turn "%2F" inside a variable into a separator.
    raw = request.scope.get("raw_path")
    return raw.decode("latin-1") if raw else request.url.path


def _query(request: Request) -> Query:
    grouped: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        grouped.setdefault(key, []).append(value)
    return grouped


async def _run_lifespan(receive: Receive, send: Send) -> None:
    """Lets the gateway run on its own under an ASGI server; it has nothing to start."""
    while True:
        event = await receive()
        if event["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif event["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

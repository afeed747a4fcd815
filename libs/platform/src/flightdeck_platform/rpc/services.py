"""Turn a servicer object into gRPC handlers for every method of a flyteidl service.

A servicer is any object with ``async def Method(self, request, context)`` for the methods it
serves; a method the proto declares streaming is an async generator instead (taking the request
iterator when the client streams). Methods it lacks still exist on the wire and answer
UNIMPLEMENTED naming the method, so clients see the full published surface from day one.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

import grpc
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message_factory import GetMessageClass

from flightdeck_platform import faults
from flightdeck_proto.services import ServiceDefinition


def _unimplemented(service: str, method: MethodDescriptor) -> Any:
    message = f"{service}/{method.name} is not implemented by flightdeck yet"

    async def answer(request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise faults.Unimplemented(message)

    async def answer_stream(request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise faults.Unimplemented(message)
        yield  # an async generator, as streaming handlers must be

    return answer_stream if method.server_streaming else answer


_HANDLER_KINDS = {
    (False, False): grpc.unary_unary_rpc_method_handler,
    (False, True): grpc.unary_stream_rpc_method_handler,
    (True, False): grpc.stream_unary_rpc_method_handler,
    (True, True): grpc.stream_stream_rpc_method_handler,
}


Servicers = object | Sequence[object] | None
"""One object, or several that each serve some methods (one per resource), or none yet."""


def _as_list(servicers: Servicers) -> list[object]:
    if servicers is None:
        return []
    if isinstance(servicers, (list, tuple)):
        return list(servicers)
    return [servicers]


def implementations(definition: ServiceDefinition, servicers: Servicers) -> dict[str, Any]:
    """Method name → the coroutine serving it; a method served twice is a wiring mistake."""
    found: dict[str, Any] = {}
    for servicer in _as_list(servicers):
        for name in definition.method_names:
            behavior = getattr(servicer, name, None)
            if not (inspect.iscoroutinefunction(behavior) or inspect.isasyncgenfunction(behavior)):
                continue
            if name in found:
                raise ValueError(f"{definition.full_name}/{name} is served by two servicers")
            found[name] = behavior
    return found


def generic_handler(definition: ServiceDefinition, servicers: Servicers) -> grpc.GenericRpcHandler:
    implemented = implementations(definition, servicers)
    handlers = {}
    for method in definition.descriptor.methods:
        behavior = implemented.get(method.name) or _unimplemented(definition.full_name, method)
        kind = _HANDLER_KINDS[(method.client_streaming, method.server_streaming)]
        handlers[method.name] = kind(
            behavior,
            request_deserializer=GetMessageClass(method.input_type).FromString,
            response_serializer=GetMessageClass(method.output_type).SerializeToString,
        )
    return grpc.method_handlers_generic_handler(definition.full_name, handlers)

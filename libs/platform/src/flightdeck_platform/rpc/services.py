"""Turn a servicer object into gRPC handlers for every method of a flyteidl service.

A servicer is any object with ``async def Method(self, request, context)`` for the methods it
serves. Methods it lacks still exist on the wire and answer UNIMPLEMENTED naming the method, so
clients see the full published surface from day one.
"""

from __future__ import annotations

import inspect
from typing import Any

import grpc
from google.protobuf.message_factory import GetMessageClass

from flightdeck_platform import faults
from flightdeck_proto.services import ServiceDefinition


def _unimplemented(service: str, method: str) -> Any:
    async def answer(request: Any, context: grpc.aio.ServicerContext) -> Any:
        raise faults.Unimplemented(f"{service}/{method} is not implemented by flightdeck yet")

    return answer


def implemented_methods(definition: ServiceDefinition, servicer: object | None) -> list[str]:
    return [
        name
        for name in definition.method_names
        if inspect.iscoroutinefunction(getattr(servicer, name, None))
    ]


def generic_handler(
    definition: ServiceDefinition, servicer: object | None
) -> grpc.GenericRpcHandler:
    implemented = set(implemented_methods(definition, servicer))
    handlers = {}
    for method in definition.descriptor.methods:
        behavior = (
            getattr(servicer, method.name)
            if method.name in implemented
            else _unimplemented(definition.full_name, method.name)
        )
        handlers[method.name] = grpc.unary_unary_rpc_method_handler(
            behavior,
            request_deserializer=GetMessageClass(method.input_type).FromString,
            response_serializer=GetMessageClass(method.output_type).SerializeToString,
        )
    return grpc.method_handlers_generic_handler(definition.full_name, handlers)

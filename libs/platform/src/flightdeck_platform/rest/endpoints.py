"""One HTTP binding of one RPC, compiled once: how to build its request and how to call it.

The request is assembled as grpc-gateway does: body first (``*`` = the whole message, a field
name = that field, empty = no body), then path variables, then, unless the body took the whole
message, query parameters for every field not already bound by the path or the body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import grpc
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from flightdeck_platform.rest import fields
from flightdeck_platform.rest.codec import BodyError, Codec
from flightdeck_platform.rest.errors import InvalidRequest
from flightdeck_platform.rest.metadata import MetadataPairs
from flightdeck_platform.rest.paths import PathTemplate, parse_template
from flightdeck_proto.routes import HttpBinding, Route

Query = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Endpoint:
    route: Route
    binding: HttpBinding
    template: PathTemplate
    path_fields: Mapping[str, fields.FieldPath]
    body_field: FieldDescriptor | None
    response_field: FieldDescriptor | None
    bound: frozenset[tuple[str, ...]]
    """Field paths (by proto name) set by the path or the body, which the query may not set."""
    call: Any
    """The ``grpc.aio.UnaryUnaryMultiCallable`` for the RPC."""
    reject_unknown_query: bool

    @property
    def reads_body(self) -> bool:
        return bool(self.binding.body)

    def build_request(
        self, params: Mapping[str, str], query: Query, body: bytes, codec: Codec
    ) -> Message:
        message = self.route.input_type()
        if self.reads_body:
            self._apply_body(message, body, codec)
        for name, value in params.items():
            _assign(message, self.path_fields[name], [value], f"path parameter {name!r}")
        if self.binding.body != "*":
            self._apply_query(message, query)
        return message

    async def invoke(
        self, request: Message, metadata: MetadataPairs, deadline: float | None
    ) -> tuple[Message, MetadataPairs]:
        """The response and its metadata (initial, then trailing); ``deadline`` in seconds."""
        call = self.call(request, metadata=metadata, timeout=deadline)
        response: Message = await call
        returned = [*(await call.initial_metadata() or ()), *(await call.trailing_metadata() or ())]
        return response, returned

    def _apply_body(self, message: Message, body: bytes, codec: Codec) -> None:
        try:
            codec.decode(body, message, self.body_field)
        except BodyError as e:
            raise InvalidRequest(f"malformed request body: {e}") from None

    def _apply_query(self, message: Message, query: Query) -> None:
        for key, values in query.items():
            path = self._query_path(key)
            if path is not None and not self._is_bound(path):
                _assign(message, path, values, f"query parameter {key!r}")

    def _query_path(self, key: str) -> fields.FieldPath | None:
        try:
            return fields.resolve(_descriptor(self.route.input_type), key)
        except fields.UnknownField:
            if self.reject_unknown_query:
                raise InvalidRequest(f"unknown query parameter {key!r}") from None
            return None
        except fields.InvalidPath as e:
            raise InvalidRequest(f"invalid query parameter {key!r}: {e}") from None

    def _is_bound(self, path: fields.FieldPath) -> bool:
        names = fields.names(path)
        return any(names[:end] in self.bound for end in range(1, len(names) + 1))


def compile_endpoint(
    route: Route, binding: HttpBinding, channel: grpc.aio.Channel, *, reject_unknown_query: bool
) -> Endpoint:
    try:
        return _compile(route, binding, channel, reject_unknown_query)
    except ValueError as e:
        raise ValueError(f"{route.full_method} {binding.verb} {binding.path_template}: {e}") from e


def _compile(
    route: Route, binding: HttpBinding, channel: grpc.aio.Channel, reject_unknown_query: bool
) -> Endpoint:
    request = _descriptor(route.input_type)
    template = parse_template(binding.path_template)
    path_fields = {v.field_path: fields.resolve(request, v.field_path) for v in template.variables}
    body_field = _top_field(request, binding.body) if binding.body not in ("", "*") else None
    bound = {fields.names(path) for path in path_fields.values()}
    bound |= {(body_field.name,)} if body_field else set()
    call = channel.unary_unary(
        route.full_method,
        request_serializer=_serialize,
        response_deserializer=route.output_type.FromString,
    )
    response_field = _top_field(_descriptor(route.output_type), binding.response_body)
    return Endpoint(
        route,
        binding,
        template,
        path_fields,
        body_field,
        response_field,
        frozenset(bound),
        call,
        reject_unknown_query,
    )


def _descriptor(message_type: type[Message]) -> Descriptor:
    return cast(Descriptor, message_type.DESCRIPTOR)


def _top_field(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    if not name:
        return None
    field = descriptor.fields_by_name.get(name)
    if field is None:
        raise fields.UnknownField(f"{descriptor.full_name} has no field {name!r}")
    return field


def _assign(message: Message, path: fields.FieldPath, values: Sequence[str], what: str) -> None:
    try:
        fields.assign(message, path, values)
    except ValueError as e:
        raise InvalidRequest(f"invalid value for {what}: {e}") from None


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()

"""The REST route table: each gRPC method's ``google.api.http`` rules, read from descriptors.

Nothing here is written by hand; the paths come from flyteidl's annotations (and our own
protos' annotations), so the REST surface always follows the published protocol.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.api import annotations_pb2, http_pb2
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class HttpBinding:
    verb: str
    """Upper-case HTTP method (``GET``, ``POST``...), or the custom verb as declared."""
    path_template: str
    body: str
    """``""`` (no body), ``"*"`` (the whole request) or the name of one request field."""
    response_body: str


@dataclass(frozen=True)
class Route:
    service: str
    method: str
    input_type: type[Message]
    output_type: type[Message]
    bindings: tuple[HttpBinding, ...]
    streaming: bool = False
    """Either side streams: the REST gateway, which answers one JSON document, leaves it out."""

    @property
    def full_method(self) -> str:
        """The gRPC path, ``/package.Service/Method``."""
        return f"/{self.service}/{self.method}"


def _binding(rule: http_pb2.HttpRule) -> HttpBinding | None:
    pattern = rule.WhichOneof("pattern")
    if pattern is None:
        return None
    if pattern == "custom":
        return HttpBinding(
            rule.custom.kind.upper(), rule.custom.path, rule.body, rule.response_body
        )
    assert pattern in _VERBS
    return HttpBinding(pattern.upper(), getattr(rule, pattern), rule.body, rule.response_body)


def _bindings(method: MethodDescriptor) -> tuple[HttpBinding, ...]:
    options = method.GetOptions()
    if not options.HasExtension(annotations_pb2.http):
        return ()
    rule = options.Extensions[annotations_pb2.http]
    rules = [rule, *rule.additional_bindings]
    return tuple(b for b in map(_binding, rules) if b is not None)


def routes_of(service: ServiceDescriptor) -> list[Route]:
    return [
        Route(
            service=service.full_name,
            method=method.name,
            input_type=GetMessageClass(method.input_type),
            output_type=GetMessageClass(method.output_type),
            bindings=_bindings(method),
            streaming=method.client_streaming or method.server_streaming,
        )
        for method in service.methods
    ]

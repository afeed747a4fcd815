"""The HTTP response the gateway sends: a status, a body in the negotiated codec, headers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from google.rpc import status_pb2
from starlette.types import Send

from flightdeck_platform.rest.codec import JSON, Codec


@dataclass(frozen=True)
class Reply:
    status: int
    content_type: str
    body: bytes
    headers: Sequence[tuple[str, str]] = ()

    async def send(self, send: Send) -> None:
        raw = [
            (b"content-type", self.content_type.encode()),
            (b"content-length", str(len(self.body)).encode()),
            *((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in self.headers),
        ]
        await send({"type": "http.response.start", "status": self.status, "headers": raw})
        await send({"type": "http.response.body", "body": self.body})


def success(
    message: Message,
    field: FieldDescriptor | None,
    codec: Codec,
    headers: Sequence[tuple[str, str]] = (),
) -> Reply:
    return Reply(200, codec.content_type, codec.encode(message, field), headers)


def failure(
    status: status_pb2.Status,
    http_status: int,
    codec: Codec,
    headers: Sequence[tuple[str, str]] = (),
) -> Reply:
    """The error body grpc-gateway sends: ``{"code", "message", "details"}`` or binary Status."""
    return Reply(http_status, codec.content_type, codec.encode(status), headers)


def last_resort(message: str) -> Reply:
    """For failures while building a reply: always JSON, never a traceback."""
    body = JSON.encode(status_pb2.Status(code=13, message=message))
    return Reply(500, JSON.content_type, body)

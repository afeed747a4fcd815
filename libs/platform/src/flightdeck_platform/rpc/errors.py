"""The single table from failure kinds to gRPC status codes, and the status built from a fault.

flytekit reads UNKNOWN and UNAUTHENTICATED as "credentials expired" and starts a login flow, so
anything that is not a Fault becomes INTERNAL carrying the trace id, never UNKNOWN.
"""

from __future__ import annotations

import grpc
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import status_pb2

from flightdeck_platform import faults
from flightdeck_platform.text import cut_to_bytes

MAX_MESSAGE_BYTES = 32_000
"""Longer messages are cut, as the reference does, so a status always fits its trailer."""

STATUS_DETAILS_KEY = "grpc-status-details-bin"

FAULT_CODES: dict[type[faults.Fault], grpc.StatusCode] = {
    faults.InvalidArgument: grpc.StatusCode.INVALID_ARGUMENT,
    faults.NotFound: grpc.StatusCode.NOT_FOUND,
    faults.AlreadyExists: grpc.StatusCode.ALREADY_EXISTS,
    faults.FailedPrecondition: grpc.StatusCode.FAILED_PRECONDITION,
    faults.ResourceExhausted: grpc.StatusCode.RESOURCE_EXHAUSTED,
    faults.Aborted: grpc.StatusCode.ABORTED,
    faults.Unavailable: grpc.StatusCode.UNAVAILABLE,
    faults.Unauthenticated: grpc.StatusCode.UNAUTHENTICATED,
    faults.PermissionDenied: grpc.StatusCode.PERMISSION_DENIED,
    faults.Unimplemented: grpc.StatusCode.UNIMPLEMENTED,
    faults.Internal: grpc.StatusCode.INTERNAL,
}


def code_of(fault: faults.Fault) -> grpc.StatusCode:
    for kind in type(fault).__mro__:
        if kind in FAULT_CODES:
            return FAULT_CODES[kind]
    return grpc.StatusCode.INTERNAL


def truncate(message: str) -> str:
    return cut_to_bytes(message, MAX_MESSAGE_BYTES)


def status_trailer(
    code: grpc.StatusCode, message: str, details: tuple[Message, ...]
) -> tuple[tuple[str, bytes], ...]:
    """The ``google.rpc.Status`` trailer that carries typed details; empty without details."""
    if not details:
        return ()
    status = status_pb2.Status(code=code.value[0], message=message)
    for detail in details:
        packed = any_pb2.Any()
        packed.Pack(detail)
        status.details.append(packed)
    return ((STATUS_DETAILS_KEY, status.SerializeToString()),)

"""What the gateway answers when something fails, as a ``google.rpc.Status`` plus HTTP status.

Exceptions raised by the gateway itself, before any RPC is made::

    GatewayError             a refused request: gRPC code, message, HTTP status
    ├── RouteNotFound        no template matches the path        404 / NOT_FOUND
    ├── MethodNotAllowed     a template matches, the verb not    405 / UNIMPLEMENTED
    └── InvalidRequest       bad parameter, unknown query        400 / INVALID_ARGUMENT
                             parameter, malformed body

Statuses returned by the RPC keep their code and details; their HTTP status comes from the
same table grpc-gateway uses (``HTTPStatusFromCode``).
"""

from __future__ import annotations

import grpc

# Imported for their side effect: they register the flyteidl detail types
# (EventFailureReason, CreateWorkflowFailureReason, InactiveProject) in the default
# descriptor pool, which is where JSON rendering of ``Any`` details looks them up.
from flyteidl.admin import event_pb2, project_pb2, workflow_pb2  # noqa: F401
from google.protobuf import any_pb2, descriptor_pool
from google.protobuf.message import DecodeError
from google.rpc import status_pb2

DETAILS_KEY = "grpc-status-details-bin"

_HTTP_STATUS = {
    grpc.StatusCode.OK: 200,
    grpc.StatusCode.CANCELLED: 499,
    grpc.StatusCode.UNKNOWN: 500,
    grpc.StatusCode.INVALID_ARGUMENT: 400,
    grpc.StatusCode.DEADLINE_EXCEEDED: 504,
    grpc.StatusCode.NOT_FOUND: 404,
    grpc.StatusCode.ALREADY_EXISTS: 409,
    grpc.StatusCode.PERMISSION_DENIED: 403,
    grpc.StatusCode.UNAUTHENTICATED: 401,
    grpc.StatusCode.RESOURCE_EXHAUSTED: 429,
    grpc.StatusCode.FAILED_PRECONDITION: 400,
    grpc.StatusCode.ABORTED: 409,
    grpc.StatusCode.OUT_OF_RANGE: 400,
    grpc.StatusCode.UNIMPLEMENTED: 501,
    grpc.StatusCode.INTERNAL: 500,
    grpc.StatusCode.UNAVAILABLE: 503,
    grpc.StatusCode.DATA_LOSS: 500,
}


class GatewayError(Exception):
    code = grpc.StatusCode.INTERNAL
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def status(self) -> status_pb2.Status:
        return make_status(self.code, self.message)


class RouteNotFound(GatewayError):
    code = grpc.StatusCode.NOT_FOUND
    http_status = 404

    def __init__(self) -> None:
        super().__init__("Not Found")


class MethodNotAllowed(GatewayError):
    code = grpc.StatusCode.UNIMPLEMENTED
    http_status = 405

    def __init__(self) -> None:
        super().__init__("Method Not Allowed")


class InvalidRequest(GatewayError):
    code = grpc.StatusCode.INVALID_ARGUMENT
    http_status = 400


def http_status(code: grpc.StatusCode) -> int:
    return _HTTP_STATUS.get(code, 500)


def make_status(code: grpc.StatusCode, message: str) -> status_pb2.Status:
    return status_pb2.Status(code=code.value[0], message=message)


def status_of(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    """The full status of a failed call, details included, from its trailing metadata."""
    status = make_status(error.code(), error.details() or "")
    for key, value in error.trailing_metadata() or ():
        if key == DETAILS_KEY and isinstance(value, bytes):
            status.details.extend(filter(_resolvable, _parse_details(value)))
    return status


def _parse_details(raw: bytes) -> list[any_pb2.Any]:
    try:
        return list(status_pb2.Status.FromString(raw).details)
    except DecodeError:  # a corrupt trailer should not hide the status itself
        return []


def _resolvable(detail: any_pb2.Any) -> bool:
    # JSON rendering of an Any fails outright on a type this process does not know;
    # dropping such a detail keeps the rest of the error readable.
    try:
        descriptor_pool.Default().FindMessageTypeByName(detail.TypeName())
    except KeyError:
        return False
    return True

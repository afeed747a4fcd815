"""GetExecution through the edge: the rules admin recorded on the execution, its error and
identifiers. Every failure is ExecutionUnreadable (retried with backoff): NOT_FOUND too, since
the phase feed can outrun nothing but a deleted execution, which the retries then give up on."""

from __future__ import annotations

from collections.abc import Sequence

import grpc
from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

from flightdeck_notifications.domain.errors import ExecutionUnreadable


def channel(
    target: str,
    max_message_bytes: int,
    interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
) -> grpc.aio.Channel:
    """``interceptors``: the service account's token when authentication is on."""
    return grpc.aio.insecure_channel(
        target,
        options=[("grpc.max_receive_message_length", max_message_bytes)],
        interceptors=interceptors,
    )


class GrpcExecutions:
    def __init__(self, channel: grpc.aio.Channel, timeout: float) -> None:
        self._stub = admin_pb2_grpc.AdminServiceStub(channel)
        self._timeout = timeout

    async def get(
        self, execution: identifier_pb2.WorkflowExecutionIdentifier
    ) -> execution_pb2.Execution:
        request = execution_pb2.WorkflowExecutionGetRequest(id=execution)
        try:
            return await self._stub.GetExecution(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as error:
            raise ExecutionUnreadable(
                f"GetExecution {execution.project}/{execution.domain}/{execution.name}: "
                f"{error.code().name} {error.details()}"
            ) from error

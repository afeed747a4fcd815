"""The execution-data locator for as long as flightdeck records no executions: every lookup
answers NOT_FOUND. Replaced by a client of admin's node/task execution data once admin stores
executions; nothing here invents data."""

from __future__ import annotations

from flightdeck_dataproxy.domain.errors import ExecutionNotFound
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.service.ports import IoData


def _unknown(node: NodeRef) -> ExecutionNotFound:
    return ExecutionNotFound(
        f"node execution {node.node_id} of execution "
        f"{node.project}/{node.domain}/{node.execution} not found"
    )


class UnrecordedExecutions:
    async def node_data(self, node: NodeRef) -> IoData:
        raise _unknown(node)

    async def attempt_data(self, node: NodeRef, attempt: int) -> IoData:
        raise _unknown(node)

    async def deck_uri(self, node: NodeRef) -> str:
        raise _unknown(node)

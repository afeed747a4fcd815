"""EvictTaskExecutionCache's rules (admin.md §10, §10a; flyteadmin's cache manager on
``feature/datacatalog-cache-deletion``): which node executions hold something evictable, how a
failure for one of them is reported (an entry in the response, never an RPC error), and what an
evicted node execution then says."""

from __future__ import annotations

from flyteidl.admin import node_execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2

from flightdeck_admin.domain.errors import MissingField
from flightdeck_admin.domain.task_executions import require_task_execution_id
from flightdeck_proto.gen.flyteidl.core import cache_eviction_pb2

Code = cache_eviction_pb2.CacheEvictionError
EVICTABLE = frozenset(
    {catalog_pb2.CACHE_HIT, catalog_pb2.CACHE_POPULATED, catalog_pb2.CACHE_EVICTED}
)
RESERVATION_HEARTBEAT_SECONDS = 10.0
"""The reservation eviction takes on the entry while deleting it (flyteadmin's constant)."""


def require_request(
    task_execution_id: identifier_pb2.TaskExecutionIdentifier, present: bool
) -> None:
    if not present:
        raise MissingField("task_execution_id")
    require_task_execution_id(task_execution_id)


def task_node_metadata(
    node: node_execution_pb2.NodeExecution,
) -> node_execution_pb2.TaskNodeMetadata | None:
    if node.closure.WhichOneof("target_metadata") != "task_node_metadata":
        return None
    return node.closure.task_node_metadata


def holds_cached_data(metadata: node_execution_pb2.TaskNodeMetadata) -> bool:
    """Only a node that hit, populated or was evicted before names an entry to delete."""
    return metadata.cache_status in EVICTABLE and metadata.HasField("catalog_key")


def evicted(node: node_execution_pb2.NodeExecution) -> node_execution_pb2.NodeExecution:
    copy = node_execution_pb2.NodeExecution()
    copy.CopyFrom(node)
    copy.closure.task_node_metadata.cache_status = catalog_pb2.CACHE_EVICTED
    return copy


def failure(
    code: int,
    message: str,
    node: identifier_pb2.NodeExecutionIdentifier,
    task_execution: identifier_pb2.TaskExecutionIdentifier | None,
) -> cache_eviction_pb2.CacheEvictionError:
    """One node's failure; its source is the attempt when known, else the execution."""
    error = cache_eviction_pb2.CacheEvictionError(
        code=code,  # type: ignore[arg-type]
        message=message,
        node_execution_id=node,
    )
    if task_execution is not None:
        error.task_execution_id.CopyFrom(task_execution)
    else:
        error.workflow_execution_id.CopyFrom(node.execution_id)
    return error


def not_a_task_node(
    node: identifier_pb2.NodeExecutionIdentifier,
) -> cache_eviction_pb2.CacheEvictionError:
    return failure(
        Code.INTERNAL,
        f"node execution {node.node_id} is not a task node: nothing cached",
        node,
        None,
    )

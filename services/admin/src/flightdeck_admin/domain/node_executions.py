"""Node execution read rules (admin.md §3.6, §4.3 "Read side", §5.5): request checks in the
reference's order, the parent flags derived on read, list trimming and the flyte:// data URLs."""

from __future__ import annotations

from typing import TypeAlias

from flyteidl.admin import common_pb2, node_execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityNotFound, InvalidField, MissingField
from flightdeck_admin.domain.executions_launch import require_execution_id
from flightdeck_platform.text import cut_to_bytes
from flightdeck_typecheck import compact_text

NodeExecutionId: TypeAlias = identifier_pb2.NodeExecutionIdentifier
LISTED_ERROR_BYTES = 100


def require_node_execution_id(node_id: NodeExecutionId, *, present: bool = True) -> None:
    """``present``: whether the request carries the id message at all."""
    if not present:
        raise MissingField("id")
    if not node_id.HasField("execution_id"):
        raise MissingField("execution_id")
    if not node_id.node_id:
        raise MissingField("node_id")
    require_execution_id(node_id.execution_id)


def require_listed_execution(request: node_execution_pb2.NodeExecutionListRequest) -> None:
    """The reference reports any defect of the listed execution's id as a missing id."""
    try:
        require_execution_id(request.workflow_execution_id)
    except MissingField:
        raise MissingField("execution_id") from None


def node_execution_not_found(node_id: NodeExecutionId) -> EntityNotFound:
    return EntityNotFound(
        f"missing entity of type node execution with identifier {compact_text(node_id)}"
    )


def with_derived_flags(
    node: node_execution_pb2.NodeExecution, has_children: bool, has_dynamic_workflow: bool
) -> node_execution_pb2.NodeExecution:
    """Nodes recorded before events carried ``is_parent``: a node with child rows is a parent,
    and a parent with a dynamic closure is dynamic. Stored flags are never cleared."""
    if not node.metadata.is_parent_node and has_children:
        node.metadata.is_parent_node = True
        if has_dynamic_workflow:
            node.metadata.is_dynamic = True
    return node


def trimmed_for_listing(node: node_execution_pb2.NodeExecution) -> node_execution_pb2.NodeExecution:
    if node.closure.HasField("error"):
        node.closure.error.message = trim_error_message(node.closure.error.message)
    return node


def trim_error_message(message: str) -> str:
    return cut_to_bytes(message, LISTED_ERROR_BYTES)


def flyte_urls(
    node_id: NodeExecutionId, attempt: int | None, has_deck: bool
) -> common_pb2.FlyteURLs:
    """``flyte://v1/<project>/<domain>/<execution>/<node>[/<attempt>]/{i|o|d}``; decks belong to
    nodes, never to attempts."""
    execution = node_id.execution_id
    segments = [execution.project, execution.domain, execution.name, node_id.node_id]
    if attempt is not None:
        segments.append(str(attempt))
    base = "flyte://v1/" + "/".join(segments)
    urls = common_pb2.FlyteURLs(inputs=f"{base}/i", outputs=f"{base}/o")
    if has_deck and attempt is None:
        urls.deck = f"{base}/d"
    return urls


def require_limit(limit: int) -> None:
    """Checked with the ids, before any record is looked up (the listing checks it again)."""
    if limit <= 0:
        raise InvalidField("limit")

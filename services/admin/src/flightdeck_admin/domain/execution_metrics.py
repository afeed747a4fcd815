"""The span tree of GetExecutionMetrics (admin.md §3.7), as pure pieces: operation spans between
recorded moments, the latest finished upstream node, the node a branch took, the spans of task
attempts and gate nodes. ``service/execution_metrics.py`` walks the records with them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

from flyteidl.admin import execution_pb2, node_execution_pb2, task_execution_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, metrics_pb2, workflow_pb2
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_platform import faults
from flightdeck_typecheck import compact_text

START_NODE = "start-node"
END_NODE = "end-node"

WORKFLOW_SETUP = "WORKFLOW_SETUP"
WORKFLOW_TEARDOWN = "WORKFLOW_TEARDOWN"
NODE_SETUP = "NODE_SETUP"
NODE_TRANSITION = "NODE_TRANSITION"
NODE_RESET = "NODE_RESET"
NODE_IDLE = "NODE_IDLE"
NODE_TEARDOWN = "NODE_TEARDOWN"
TASK_SETUP = "TASK_SETUP"
TASK_RUNTIME = "TASK_RUNTIME"
TASK_TEARDOWN = "TASK_TEARDOWN"

NodeExecution: TypeAlias = node_execution_pb2.NodeExecution
TaskExecution: TypeAlias = task_execution_pb2.TaskExecution
Span: TypeAlias = metrics_pb2.Span


class InconsistentRecords(faults.Internal):
    """The recorded node executions do not fit the workflow they ran."""


def operation(start: Timestamp, end: Timestamp, name: str) -> Span:
    return Span(start_time=start, end_time=end, operation_id=name)


def before(a: Timestamp, b: Timestamp) -> bool:
    return a.ToNanoseconds() < b.ToNanoseconds()


def _unset(moment: Timestamp | Duration) -> bool:
    return moment.seconds == 0 and moment.nanos == 0


def _end_of(started_at: Timestamp, duration: Duration) -> Timestamp:
    end = Timestamp()
    end.FromNanoseconds(started_at.ToNanoseconds() + duration.ToNanoseconds())
    return end


def by_creation(records: Sequence[NodeExecution] | Sequence[TaskExecution]) -> list:  # type: ignore[type-arg]
    return sorted(records, key=lambda r: r.closure.created_at.ToNanoseconds())


def latest_upstream(
    node_id: str,
    upstream: Mapping[str, compiler_pb2.ConnectionSet.IdList],
    nodes: Mapping[str, NodeExecution],
) -> NodeExecution | None:
    """The upstream node execution that was updated last (later than the epoch)."""
    latest: NodeExecution | None = None
    for upstream_id in upstream[node_id].ids if node_id in upstream else ():
        candidate = nodes.get(upstream_id)
        if candidate is None:
            continue
        reference = latest.closure.updated_at if latest is not None else Timestamp()
        if before(reference, candidate.closure.updated_at):
            latest = candidate
    return latest


def closing(
    node_id: str,
    closure: compiler_pb2.CompiledWorkflowClosure,
    nodes: Mapping[str, NodeExecution],
    end: Timestamp,
    name: str,
) -> list[Span]:
    """The span from the last upstream node of ``node_id`` (the end node) to ``end``."""
    latest = latest_upstream(node_id, closure.primary.connections.upstream, nodes)
    if latest is None or before(end, latest.closure.updated_at):
        return []
    return [operation(latest.closure.updated_at, end, name)]


def template_node(closure: compiler_pb2.CompiledWorkflowClosure, node_id: str) -> workflow_pb2.Node:
    for node in closure.primary.template.nodes:
        if node.id == node_id:
            return node
    raise InconsistentRecords(
        f"failed to discover workflow node '{node_id}' in workflow "
        f"'{compact_text(closure.primary.template.id)}'"
    )


def sub_workflow(
    closure: compiler_pb2.CompiledWorkflowClosure, workflow_id: identifier_pb2.Identifier
) -> compiler_pb2.CompiledWorkflowClosure | None:
    """The closure with the referenced sub-workflow as its primary, when it carries it."""
    for candidate in closure.sub_workflows:
        if _same_entity(candidate.template.id, workflow_id):
            nested = compiler_pb2.CompiledWorkflowClosure()
            nested.CopyFrom(closure)
            nested.primary.CopyFrom(candidate)
            return nested
    return None


def _same_entity(a: identifier_pb2.Identifier, b: identifier_pb2.Identifier) -> bool:
    parts = ("project", "domain", "name", "version")
    return all(getattr(a, part) == getattr(b, part) for part in parts)


def branch_taken(node_id: str, branch: workflow_pb2.BranchNode) -> workflow_pb2.Node:
    if_else = branch.if_else
    candidates = [if_else.case.then_node, *(other.then_node for other in if_else.other)]
    if if_else.HasField("else_node"):
        candidates.append(if_else.else_node)
    for candidate in candidates:
        if candidate.id == node_id:
            return candidate
    raise InconsistentRecords(
        f"failed to identify branch node final node definition for nodeID '{node_id}'"
    )


def task_attempt_spans(attempts: Sequence[TaskExecution], depth: int) -> list[Span]:
    """Attempts in creation order, a NODE_RESET between two; their own spans unless depth 0."""
    spans: list[Span] = []
    ordered = by_creation(attempts)
    for index, attempt in enumerate(ordered):
        if index > 0:
            previous = ordered[index - 1]
            spans.append(
                operation(previous.closure.updated_at, attempt.closure.created_at, NODE_RESET)
            )
        if depth != 0:
            spans.append(task_span(attempt))
    return spans


def task_span(attempt: TaskExecution) -> Span:
    closure = attempt.closure
    span = Span(start_time=closure.created_at, end_time=closure.updated_at, task_id=attempt.id)
    span.spans.extend(
        _running_spans(closure, (TASK_SETUP, TASK_RUNTIME, TASK_TEARDOWN), teardown_if_later=True)
    )
    return span


def gate_spans(node: NodeExecution) -> list[Span]:
    return _running_spans(node.closure, (NODE_SETUP, NODE_IDLE, NODE_TEARDOWN))


def _running_spans(
    closure: node_execution_pb2.NodeExecutionClosure | task_execution_pb2.TaskExecutionClosure,
    names: tuple[str, str, str],
    *,
    teardown_if_later: bool = False,
) -> list[Span]:
    """Set-up until started, the run for its duration (or until the last update while it runs),
    then tear-down until the last update."""
    setup, running, teardown = names
    if _unset(closure.started_at):
        return [operation(closure.created_at, closure.updated_at, setup)]
    spans = [operation(closure.created_at, closure.started_at, setup)]
    if _unset(closure.duration):
        return [*spans, operation(closure.started_at, closure.updated_at, running)]
    end = _end_of(closure.started_at, closure.duration)
    spans.append(operation(closure.started_at, end, running))
    if not teardown_if_later or not before(closure.updated_at, end):
        spans.append(operation(end, closure.updated_at, teardown))
    return spans


def whole(node: NodeExecution, name: str = NODE_SETUP) -> list[Span]:
    """A node that has not got further than being recorded: all of it is set-up."""
    return [operation(node.closure.created_at, node.closure.updated_at, name)]


def finishing(
    node: NodeExecution,
    last: NodeExecution | TaskExecution | execution_pb2.Execution,
    name: str = NODE_TEARDOWN,
) -> list[Span]:
    """From ``last``'s update to the node's, unless the node was updated earlier."""
    if before(node.closure.updated_at, last.closure.updated_at):
        return []
    return [operation(last.closure.updated_at, node.closure.updated_at, name)]

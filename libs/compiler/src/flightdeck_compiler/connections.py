"""Turning bindings and explicit dependencies into connections (§6.1, §6.2).

Top-level nodes and end-node connect both ways (*bidirectional*). Branch sub-nodes and the
failure node only record where their inputs come from (*upstream only*): propeller starts them
through their parent, never from a predecessor's downstream list.
"""

from __future__ import annotations

from enum import Enum

from flyteidl.core import workflow_pb2

from flightdeck_compiler import messages
from flightdeck_compiler.bindings import bind_inputs
from flightdeck_compiler.graph import END_NODE, START_NODE, WorkflowGraph


class Mode(Enum):
    BIDIRECTIONAL = "bidirectional"
    UPSTREAM_ONLY = "upstream-only"


def add_edges(graph: WorkflowGraph, node: workflow_pb2.Node, mode: Mode) -> None:
    """Type-check the node's bindings and record the edges they (and its explicit ids) imply."""
    interface = graph.interface(node)
    if interface is None:
        return  # its interface failed; that error is already reported
    if mode is Mode.BIDIRECTIONAL:
        _add_explicit_dependencies(graph, node)

        def on_upstream(upstream_id: str) -> None:
            graph.edges.execution(upstream_id, node.id)
    else:

        def on_upstream(upstream_id: str) -> None:
            graph.edges.upstream_only(upstream_id, node.id)

    bind_inputs(graph, node, interface.inputs, on_upstream)


def _add_explicit_dependencies(graph: WorkflowGraph, node: workflow_pb2.Node) -> None:
    for upstream_id in node.upstream_node_ids:
        if upstream_id in graph.nodes:
            graph.edges.execution(upstream_id, node.id)
        else:
            # flightdeck rejects ids that name no node (quirk §10.2): propeller would only fail
            # on them at run time.
            graph.errors.add(messages.node_reference_not_found(upstream_id, upstream_id))


def connect_start_and_end(graph: WorkflowGraph) -> None:
    """Nodes without predecessors start the workflow; nodes without successors end it."""
    for node_id in sorted(graph.nodes):
        if node_id in (START_NODE, END_NODE):
            continue
        if node_id not in graph.edges.upstream:
            graph.edges.execution(START_NODE, node_id)
        if node_id not in graph.edges.downstream:
            graph.edges.execution(node_id, END_NODE)


def check_traversal(graph: WorkflowGraph) -> None:
    """Cycles, then unreachable nodes, by a coloured depth-first walk from start-node (§6.3).

    Ids that name no registered node are not counted; only the first cycle is reported.
    """
    cycle, visited = _walk_from_start(graph.edges.downstream)
    if cycle is not None:
        graph.errors.add(messages.cycle_detected(START_NODE, ">".join(cycle)))
        return
    unreachable = sorted(set(graph.nodes) - visited - {END_NODE})
    if unreachable:
        graph.errors.add(messages.unreachable_nodes(START_NODE, ",".join(unreachable)))


def _walk_from_start(downstream: dict[str, set[str]]) -> tuple[list[str] | None, set[str]]:
    # Iterative, so deep chains cannot hit the recursion limit; finished nodes are never
    # re-entered, which keeps the walk linear (Go's uncoloured walk can go exponential).
    finished: set[str] = set()
    path = [START_NODE]
    children = [iter(sorted(downstream.get(START_NODE, ())))]
    while children:
        child = next(children[-1], None)
        if child is None:
            finished.add(path.pop())
            children.pop()
        elif child in path:
            return [*path, child], finished
        elif child not in finished:
            path.append(child)
            children.append(iter(sorted(downstream.get(child, ()))))
    return None, finished

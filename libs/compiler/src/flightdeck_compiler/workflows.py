"""Validating one workflow template and rewriting it into its compiled shape (§2, §7).

The template is rewritten in place: start-node and end-node are added, promises to workflow
inputs name start-node, explicit ids are sorted, then-nodes are renamed, the interface is
normalised. Errors go to the shared error set; the connections are returned.
"""

from __future__ import annotations

from flyteidl.core import compiler_pb2, workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface, VariableMap

from flightdeck_compiler import messages
from flightdeck_compiler.connections import (
    Mode,
    add_edges,
    check_traversal,
    connect_start_and_end,
)
from flightdeck_compiler.graph import END_NODE, START_NODE, Compilation, WorkflowGraph
from flightdeck_compiler.interfaces import checked_interface
from flightdeck_compiler.nodes import validate_node
from flightdeck_compiler.references import identifier_key
from flightdeck_compiler.requirements import direct_scope
from flightdeck_typecheck import compact_text


def compile_sub_workflow(compilation: Compilation, template: workflow_pb2.WorkflowTemplate) -> None:
    key = identifier_key(template.id)
    compilation.compiled[key] = compiler_pb2.ConnectionSet()  # marks it, so cycles end here
    connections = validate_workflow(compilation, template)
    if connections is not None:
        compilation.compiled[key] = connections


def validate_workflow(
    compilation: Compilation, template: workflow_pb2.WorkflowTemplate
) -> compiler_pb2.ConnectionSet | None:
    if not template.nodes:
        compilation.errors.add(messages.no_nodes_found(compact_text(template.id)))
        return None
    graph = WorkflowGraph(compilation, template, direct_scope(template))
    interface = checked_interface(graph, START_NODE, template.interface)
    if interface is None:
        return None
    template.interface.CopyFrom(interface)
    originals = [_copy(node) for node in template.nodes]
    end = _add_terminal_nodes(graph, interface)
    for node in originals:
        _add_node(graph, node)
    for node_id in sorted(graph.nodes):
        if node_id != START_NODE:
            add_edges(graph, graph.nodes[node_id], Mode.BIDIRECTIONAL)
    if template.HasField("failure_node"):
        # Validated, never registered: nothing can bind to it and it gets no start/end edges.
        validate_node(graph, template.failure_node)
        add_edges(graph, template.failure_node, Mode.UPSTREAM_ONLY)
    connect_start_and_end(graph)
    check_traversal(graph)
    _write_back(graph, end)
    return graph.edges.to_proto()


def _add_terminal_nodes(graph: WorkflowGraph, interface: TypedInterface) -> workflow_pb2.Node:
    start = workflow_pb2.Node(id=START_NODE)
    end = workflow_pb2.Node(id=END_NODE, inputs=graph.template.outputs)
    graph.register(start)
    graph.remember(start, TypedInterface(inputs=VariableMap(), outputs=interface.inputs))
    graph.register(end)
    graph.remember(end, TypedInterface(inputs=interface.outputs, outputs=VariableMap()))
    return end


def _add_node(graph: WorkflowGraph, node: workflow_pb2.Node) -> None:
    # flightdeck rejects what Go silently drops (quirk §10.1): a user node named like a
    # compiler node, or a second node with an id already taken.
    if node.id in (START_NODE, END_NODE):
        graph.errors.add(messages.reserved_id(node.id))
    elif node.id in graph.nodes:
        graph.errors.add(messages.duplicate_id(node.id))
    else:
        if node.id:
            graph.register(node)
        validate_node(graph, node)


def _write_back(graph: WorkflowGraph, end: workflow_pb2.Node) -> None:
    template = graph.template
    del template.nodes[:]
    template.nodes.extend(graph.nodes.values())  # start, end, then users in original order
    del template.outputs[:]
    template.outputs.extend(end.inputs)  # end-node's inputs are the workflow outputs


def _copy(node: workflow_pb2.Node) -> workflow_pb2.Node:
    copy = workflow_pb2.Node()
    copy.CopyFrom(node)
    return copy

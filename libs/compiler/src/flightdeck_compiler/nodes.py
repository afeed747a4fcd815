"""Validating one node, whatever its kind (§3): id, interface, explicit ids, kind rules."""

from __future__ import annotations

from flyteidl.core import workflow_pb2

from flightdeck_compiler import messages
from flightdeck_compiler.branches import validate_branch
from flightdeck_compiler.graph import WorkflowGraph
from flightdeck_compiler.interfaces import node_interface
from flightdeck_compiler.references import identifier_key


def validate_node(graph: WorkflowGraph, node: workflow_pb2.Node) -> None:
    if not node.id:
        graph.errors.add(messages.value_required("<node>", "Id"))
        return
    node_interface(graph, node)
    # flytekit's order of explicit dependencies varies between runs; sorting keeps the
    # compiled closure, and so its digest, stable.
    ids = sorted(node.upstream_node_ids)
    del node.upstream_node_ids[:]
    node.upstream_node_ids.extend(ids)
    kind = node.WhichOneof("target")
    if kind == "branch_node":
        validate_branch(graph, node, validate_node)
    elif kind == "workflow_node" and node.workflow_node.HasField("sub_workflow_ref"):
        _compile_sub_workflow(graph, node.workflow_node.sub_workflow_ref)


def _compile_sub_workflow(graph: WorkflowGraph, reference) -> None:
    compilation = graph.compilation
    key = identifier_key(reference)
    template = compilation.sub_workflows.get(key)
    if template is not None and key not in compilation.compiled:
        compilation.compile_sub_workflow(template)

"""Resolving an output reference ``{node_id, var, attr_path}`` of a binding (§4.3)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from flyteidl.core import types_pb2, workflow_pb2
from flyteidl.core.literals_pb2 import BindingData
from flyteidl.core.types_pb2 import LiteralType, PromiseAttribute

from flightdeck_compiler import messages
from flightdeck_compiler.graph import START_NODE, WorkflowGraph
from flightdeck_typecheck import castable, compact_text

# ASCII \w, and the whole name must be exactly one match: "a-b" and "a.b" are syntax errors.
_VAR_PATTERN = re.compile(r"(\[(\d+)\]\.)?(\w+)", re.ASCII)


@dataclass(frozen=True)
class Resolved:
    declared_type: LiteralType
    upstream_id: str


@dataclass(frozen=True)
class Sink:
    """The input being bound: the node, its parameter, and the parameter's type."""

    graph: WorkflowGraph
    node: workflow_pb2.Node
    param: str
    expected: LiteralType
    check_types: bool


def resolve_promise(sink: Sink, data: BindingData) -> Resolved | None:
    promise = data.promise
    node_id = promise.node_id or START_NODE
    errors, here = sink.graph.errors, sink.node.id
    upstream = sink.graph.nodes.get(node_id)
    if upstream is None:
        errors.add(messages.node_reference_not_found(node_id, node_id))
        errors.add(messages.parameter_not_bound(here, sink.param))
        return None
    matches = _VAR_PATTERN.findall(promise.var)
    if len(matches) != 1:
        errors.add(messages.syntax_error(here, promise.var))
        return None
    _, index, name = matches[0]
    declared = _output_type(sink.graph, upstream, name)
    if declared is None:
        errors.add(messages.variable_not_found(node_id, node_id, name))
        errors.add(messages.parameter_not_bound(here, sink.param))
        return None
    walked = _walk(sink, name, declared, index, promise.attr_path)
    if walked is None or not _fits(sink, upstream, name, walked):
        return None
    promise.node_id = node_id  # "" becomes "start-node" in the compiled template
    return Resolved(declared, node_id)


def _output_type(
    graph: WorkflowGraph, upstream: workflow_pb2.Node, name: str
) -> LiteralType | None:
    interface = graph.interface(upstream)
    if interface is None or name not in interface.outputs.variables:
        return None
    return interface.outputs.variables[name].type


def _walk(
    sink: Sink, name: str, declared: LiteralType, index: str, attr_path: Iterable[PromiseAttribute]
) -> LiteralType | None:
    current = declared
    if index:
        if current.WhichOneof("type") != "collection_type":
            text = compact_text(current)
            sink.graph.errors.add(
                messages.mismatching_types(sink.node.id, name, text, "collection")
            )
            return None
        current = current.collection_type
    for step in attr_path:
        current = _step(sink, name, current, step)
        if current is None:
            return None
    return current


def _step(
    sink: Sink, name: str, current: LiteralType, step: PromiseAttribute
) -> LiteralType | None:
    # The step's kind (int or string) is never checked; lists and maps just descend.
    kind = current.WhichOneof("type")
    if kind == "collection_type":
        return current.collection_type
    if kind == "map_value_type":
        return current.map_value_type
    fields = current.structure.dataclass_type
    if kind != "simple" or current.simple != types_pb2.STRUCT or not fields:
        return current
    key = step.string_value
    if key not in fields:
        text = compact_text(current)
        sink.graph.errors.add(messages.field_not_found(sink.node.id, name, text, key))
        return None
    return fields[key]


def _fits(sink: Sink, upstream: workflow_pb2.Node, name: str, walked: LiteralType) -> bool:
    if not sink.check_types or castable(walked, sink.expected):
        return True
    error = messages.mismatching_variables(
        sink.node.id,
        display_name(upstream, name),
        compact_text(walked),
        display_name(sink.node, sink.param),
        compact_text(sink.expected),
    )
    sink.graph.errors.add(error)
    return False


def display_name(node: workflow_pb2.Node, var: str) -> str:
    # The node's display name prefixes the variable only when the node has metadata.
    return f"{node.metadata.name}.{var}" if node.HasField("metadata") else var

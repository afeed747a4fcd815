"""Checking a node's input bindings against its declared inputs (§4.1, §4.2, §4.4).

``params=None`` is the inference mode used for branch and approve-gate inputs: any name is
accepted and the result is the type each binding carries. Every upstream node a binding reads
from is reported through ``on_upstream``; the caller decides which edge that makes (§6.1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from flyteidl.core import interface_pb2, types_pb2, workflow_pb2
from flyteidl.core.literals_pb2 import BindingData
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_compiler import messages
from flightdeck_compiler.graph import WorkflowGraph
from flightdeck_compiler.promises import Sink, resolve_promise
from flightdeck_typecheck import (
    NotInferable,
    castable,
    compact_text,
    illegal_enum_value,
    infer_scalar_type,
    is_none_type,
)

_PLACEHOLDER = LiteralType(simple=types_pb2.NONE)


@dataclass
class Outcome:
    type: LiteralType
    upstream_ids: list[str] = field(default_factory=list)


def bind_inputs(
    graph: WorkflowGraph,
    node: workflow_pb2.Node,
    params: interface_pb2.VariableMap | None,
    on_upstream: Callable[[str], None],
) -> interface_pb2.VariableMap:
    """Validate ``node.inputs``; return the type each accepted binding resolved to."""
    resolved = interface_pb2.VariableMap()
    provided: set[str] = set()
    for binding in node.inputs:
        if params is not None and binding.var not in params.variables:
            graph.errors.add(messages.variable_not_found(node.id, node.id, binding.var))
        elif not binding.HasField("binding"):
            graph.errors.add(messages.value_required(node.id, "Binding"))
        elif binding.var in provided:
            graph.errors.add(messages.bound_more_than_once(node.id, binding.var))
        else:
            provided.add(binding.var)
            expected = params.variables[binding.var].type if params is not None else _PLACEHOLDER
            sink = Sink(graph, node, binding.var, expected, check_types=params is not None)
            outcome = check_binding(sink, binding.binding)
            if outcome is not None:
                resolved.variables[binding.var].type.CopyFrom(outcome.type)
                for upstream_id in outcome.upstream_ids:
                    on_upstream(upstream_id)
    if params is not None:
        _report_unbound(graph, node, params, provided)
    return resolved


def infer_inputs(graph: WorkflowGraph, node: workflow_pb2.Node) -> interface_pb2.VariableMap:
    """Branch and approve-gate inputs: the types of the node's own bindings, resolved against
    the nodes registered so far, recording upstream-only edges (§4.4)."""

    def on_upstream(upstream_id: str) -> None:
        graph.edges.upstream_only(upstream_id, node.id)

    return bind_inputs(graph, node, None, on_upstream)


def _report_unbound(
    graph: WorkflowGraph, node: workflow_pb2.Node, params: interface_pb2.VariableMap, provided: set
) -> None:
    for name in sorted(set(params.variables) - provided):
        # A TypedInterface carries no defaults; only an Optional input may stay unbound.
        if not _is_optional(params.variables[name].type):
            graph.errors.add(messages.parameter_not_bound(node.id, name))


def _is_optional(literal_type: LiteralType) -> bool:
    return literal_type.WhichOneof("type") == "union_type" and any(
        is_none_type(variant) for variant in literal_type.union_type.variants
    )


def check_binding(sink: Sink, data: BindingData) -> Outcome | None:
    kind = data.WhichOneof("value")
    if sink.expected.WhichOneof("type") == "union_type" and kind in _SHAPED:
        return _check_union_variants(sink, data)
    if kind == "promise":
        resolved = resolve_promise(sink, data)
        return Outcome(resolved.declared_type, [resolved.upstream_id]) if resolved else None
    if kind == "scalar":
        return _check_scalar(sink, data)
    if kind in ("collection", "map"):
        return _check_container(sink, data, kind)
    _mismatching_binding(sink, data)
    return None


_SHAPED = ("collection", "map", "offloaded_metadata")


def _check_container(sink: Sink, data: BindingData, kind: str) -> Outcome | None:
    is_list = kind == "collection"
    type_field = "collection_type" if is_list else "map_value_type"
    if sink.expected.WhichOneof("type") != type_field:
        _mismatching_binding(sink, data)
        return None
    element_type = getattr(sink.expected, type_field)
    elements = (
        list(data.collection.bindings)
        if is_list
        else [data.map.bindings[key] for key in sorted(data.map.bindings)]
    )
    outcome = Outcome(element_type)
    for element in elements:
        result = check_binding(replace(sink, expected=element_type), element)
        if result is not None:
            outcome.type = result.type  # the last element that fits names the type
            outcome.upstream_ids.extend(result.upstream_ids)
    outcome.type = LiteralType(**{type_field: outcome.type})
    return outcome


def _check_scalar(sink: Sink, data: BindingData) -> Outcome | None:
    errors, node_id = sink.graph.errors, sink.node.id
    try:
        inferred = infer_scalar_type(data.scalar)
    except NotInferable:
        errors.add(messages.unrecognized_value(node_id, compact_text(data.scalar)))
        return None
    if sink.check_types and not castable(inferred, sink.expected):
        got, expected = compact_text(inferred), compact_text(sink.expected)
        errors.add(messages.mismatching_types(node_id, sink.param, got, expected))
        return None
    violation = illegal_enum_value(data.scalar, sink.expected)
    if violation is not None:
        errors.add(messages.illegal_enum_value(node_id, sink.param, *violation))
        return None
    return Outcome(inferred)


def _check_union_variants(sink: Sink, data: BindingData) -> Outcome | None:
    """A list, map or offloaded value must fit exactly one variant of a union input."""
    errors = sink.graph.errors
    fitting: list[tuple[LiteralType, Outcome]] = []
    for variant in sink.expected.union_type.variants:
        mark = errors.mark()
        outcome = check_binding(replace(sink, expected=variant), data)
        if outcome is not None and not errors.added_since(mark):
            fitting.append((variant, outcome))
        errors.rollback(mark)
    expected, binding = compact_text(sink.expected), compact_text(data)
    if len(fitting) == 1:
        return fitting[0][1]
    if fitting:
        first, second = (compact_text(variant) for variant, _ in fitting[:2])
        errors.add(
            messages.ambiguous_union(sink.node.id, sink.param, expected, binding, first, second)
        )
    else:
        errors.add(messages.incompatible_union(sink.node.id, sink.param, expected, binding))
    return None


def _mismatching_binding(sink: Sink, data: BindingData) -> None:
    expected, received = compact_text(sink.expected), compact_text(data)
    sink.graph.errors.add(
        messages.mismatching_bindings(sink.node.id, sink.param, expected, received)
    )

"""Resolving a node's input bindings against upstream outputs (spec §4).

The caller reads each promised node's current ``outputs.pb`` (``promised_nodes`` says which)
and passes them in; everything else is pure. Union type info on a binding is ignored — the raw
value passes, as flytekit accepts unwrapped values for union inputs.

propeller reports every resolution failure under code ``BindingResolutionFailure`` (SYSTEM);
``BindingResolutionFailed.code`` is ``PromiseAttributeResolveError`` when the cause was an
attribute path, which callers may keep or fold into ``wire_code``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from flyteidl.core import literals_pb2, types_pb2

from flightdeck_executor.domain.attr_paths import AttributeNotResolved, resolve_attr_path

START_NODE = "start-node"
BINDING_RESOLUTION_FAILURE = "BindingResolutionFailure"
PROMISE_ATTRIBUTE_RESOLVE_ERROR = "PromiseAttributeResolveError"

# Legacy ``[i].name`` selects element i of a collection output; ``\w`` is ASCII in Go.
_VAR_NAME = re.compile(r"(\[(\d+)\]\.)?(\w+)", re.ASCII)

Aliases = Mapping[str, Mapping[str, str]]


class BindingResolutionFailed(Exception):
    """A binding could not be resolved; the node fails before QUEUED."""

    wire_code = BINDING_RESOLUTION_FAILURE

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


class _Unresolved(Exception):
    def __init__(self, code: str, node_id: str, detail: str) -> None:
        super().__init__(f"failed at Node[{node_id}]. {code}: {detail}")
        self.code = code


def promised_nodes(bindings: Sequence[literals_pb2.Binding]) -> set[str]:
    """The upstream node ids whose outputs the bindings read (workflow inputs: ``start-node``)."""
    found: set[str] = set()
    for binding in bindings:
        _collect(binding.binding, found)
    return found


def _collect(data: literals_pb2.BindingData, found: set[str]) -> None:
    kind = data.WhichOneof("value")
    if kind == "promise":
        found.add(data.promise.node_id or START_NODE)
    elif kind == "collection":
        for item in data.collection.bindings:
            _collect(item, found)
    elif kind == "map":
        for item in data.map.bindings.values():
            _collect(item, found)


def resolve_bindings(
    bindings: Sequence[literals_pb2.Binding],
    outputs: Mapping[str, literals_pb2.LiteralMap],
    aliases: Aliases | None = None,
) -> literals_pb2.LiteralMap:
    """The node's inputs. ``aliases`` maps an upstream node id to its ``output_aliases``."""
    resolved = literals_pb2.LiteralMap()
    for binding in bindings:
        try:
            literal = _resolve(binding.binding, outputs, aliases or {})
        except _Unresolved as cause:
            message = f"Error binding Var [wf].[{binding.var}], caused by: {cause}"
            code = (
                PROMISE_ATTRIBUTE_RESOLVE_ERROR
                if cause.code == PROMISE_ATTRIBUTE_RESOLVE_ERROR
                else BINDING_RESOLUTION_FAILURE
            )
            raise BindingResolutionFailed(code, message) from cause
        resolved.literals[binding.var].CopyFrom(literal)
    return resolved


def _resolve(
    data: literals_pb2.BindingData, outputs: Mapping[str, literals_pb2.LiteralMap], aliases: Aliases
) -> literals_pb2.Literal:
    kind = data.WhichOneof("value")
    if kind == "scalar":
        return literals_pb2.Literal(scalar=data.scalar)
    if kind == "collection":
        items = [_resolve(item, outputs, aliases) for item in data.collection.bindings]
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))
    if kind == "map":
        entries = {key: _resolve(item, outputs, aliases) for key, item in data.map.bindings.items()}
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(literals=entries))
    if kind == "promise":
        return _promise(data.promise, outputs, aliases)
    if kind == "offloaded_metadata":
        return literals_pb2.Literal(offloaded_metadata=data.offloaded_metadata)
    # An unset binding resolves to an empty literal in propeller too.
    return literals_pb2.Literal()


def _promise(
    promise: types_pb2.OutputReference,
    outputs: Mapping[str, literals_pb2.LiteralMap],
    aliases: Aliases,
) -> literals_pb2.Literal:
    node_id = promise.node_id or START_NODE
    index, name = _parse_var(node_id, promise.var)
    name = aliases.get(node_id, {}).get(name, name)
    if node_id not in outputs:
        raise _Unresolved("OutputsNotFoundError", node_id, f"Outputs not found for [{node_id}]")
    literals = outputs[node_id].literals
    if name not in literals:
        raise _Unresolved("OutputsNotFoundError", node_id, f"Failed to find [{node_id}].[{name}]")
    literal = literals[name] if index is None else _element(node_id, literals[name], index, name)
    if not promise.attr_path:
        return literal
    try:
        return resolve_attr_path(literal, promise.attr_path)
    except AttributeNotResolved as exc:
        raise _Unresolved(PROMISE_ATTRIBUTE_RESOLVE_ERROR, node_id, str(exc)) from exc


def _parse_var(node_id: str, var: str) -> tuple[int | None, str]:
    matches = list(_VAR_NAME.finditer(var))
    if len(matches) != 1:
        detail = f"unexpected number of matches [{len(matches)}] in variable [{var}]"
        raise _Unresolved("BadSpecificationError", node_id, detail)
    index, name = matches[0].group(2), matches[0].group(3)
    return (int(index) if index is not None else None), name


def _element(
    node_id: str, literal: literals_pb2.Literal, index: int, name: str
) -> literals_pb2.Literal:
    if not literal.HasField("collection"):
        detail = f"Output [{name}] is not a collection; [{index}].{name} needs one."
        raise _Unresolved("BadSpecificationError", node_id, detail)
    items = literal.collection.literals
    if index >= len(items):
        raise _Unresolved(
            "OutputsNotFoundError", node_id, f"Failed to find [{node_id}[{index}].{name}]"
        )
    return items[index]

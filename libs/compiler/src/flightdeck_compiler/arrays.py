"""Array node interfaces (§3.7).

The interface is the inner node's. flytekit's map-task templates are already list-typed; for
``array_node(launch_plan)`` flytekit instead sets ``is_original_sub_node_interface`` and keeps
the scalar interface. flightdeck honours that flag (quirk §10.3, where Go rejects the workflow):
every input not in ``bound_inputs`` and every output becomes a list, of optionals when partial
success is allowed for a single output, as flytekit types it.
"""

from __future__ import annotations

from collections.abc import Callable

from flyteidl.core import interface_pb2, types_pb2, workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_compiler import messages
from flightdeck_compiler.graph import WorkflowGraph

InterfaceOf = Callable[[WorkflowGraph, workflow_pb2.Node], TypedInterface | None]


def array_interface(
    graph: WorkflowGraph, node: workflow_pb2.Node, interface_of: InterfaceOf
) -> TypedInterface | None:
    array = node.array_node
    if not array.HasField("node"):
        graph.errors.add(messages.value_required(node.id, "ArrayNode.Node"))
        return None
    # The inner node is otherwise left alone; sorting its explicit ids only keeps the
    # compiled closure deterministic.
    ids = sorted(array.node.upstream_node_ids)
    del array.node.upstream_node_ids[:]
    array.node.upstream_node_ids.extend(ids)
    inner = interface_of(graph, array.node)
    if inner is None or not array.is_original_sub_node_interface.value:
        return inner
    return _as_lists(inner, array)


def _as_lists(inner: TypedInterface, array: workflow_pb2.ArrayNode) -> TypedInterface:
    bound = set(array.bound_inputs)
    result = TypedInterface(inputs=interface_pb2.VariableMap(), outputs=interface_pb2.VariableMap())
    for name, variable in inner.inputs.variables.items():
        target = result.inputs.variables[name]
        target.CopyFrom(variable)
        if name not in bound:
            target.type.CopyFrom(LiteralType(collection_type=variable.type))
    optional = _partial_success(array) and len(inner.outputs.variables) == 1
    for name, variable in inner.outputs.variables.items():
        target = result.outputs.variables[name]
        target.CopyFrom(variable)
        element = _optional(variable.type) if optional else variable.type
        target.type.CopyFrom(LiteralType(collection_type=element))
    return result


def _partial_success(array: workflow_pb2.ArrayNode) -> bool:
    criteria = array.WhichOneof("success_criteria")
    return criteria == "min_success_ratio" and array.min_success_ratio < 1


def _optional(literal_type: LiteralType) -> LiteralType:
    none = LiteralType(simple=types_pb2.NONE, structure=types_pb2.TypeStructure(tag="none"))
    return LiteralType(union_type=types_pb2.UnionType(variants=[literal_type, none]))

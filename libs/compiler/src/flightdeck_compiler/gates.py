"""Gate node interfaces (§3.6): approve passes its inputs through, signal produces one value,
sleep has nothing.
"""

from __future__ import annotations

from flyteidl.core import workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface

from flightdeck_compiler import messages
from flightdeck_compiler.bindings import infer_inputs
from flightdeck_compiler.graph import WorkflowGraph


def gate_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    gate = node.gate_node
    kind = gate.WhichOneof("condition")
    if kind == "approve":
        passed = infer_inputs(graph, node)
        return TypedInterface(inputs=passed, outputs=passed)
    if kind == "signal":
        return _signal_interface(graph, node)
    if kind == "sleep":
        return TypedInterface()
    graph.errors.add(messages.gate_without_condition(node.id))
    return None


def _signal_interface(graph: WorkflowGraph, node: workflow_pb2.Node) -> TypedInterface | None:
    signal = node.gate_node.signal
    valid = True
    if not signal.HasField("type"):
        graph.errors.add(messages.value_required(node.id, "GateNode.Signal.Type"))
        valid = False
    if not signal.output_variable_name:
        graph.errors.add(messages.value_required(node.id, "GateNode.Signal.OutputVariableName"))
        valid = False
    if not valid:
        return None
    interface = TypedInterface()
    interface.outputs.variables[signal.output_variable_name].type.CopyFrom(signal.type)
    return interface

"""Gate nodes (§3.6) and array nodes (§3.7)."""

from __future__ import annotations

import pytest
from flyteidl.core import workflow_pb2 as wf
from google.protobuf import duration_pb2
from google.protobuf.wrappers_pb2 import BoolValue

from flightdeck_compiler import WorkflowCompileFailed


def gate_workflow(build, gate: wf.GateNode, inputs=None, consumer_var: str | None = "o0"):
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    nodes = [
        build.task_node("n0", square, inputs={"x": build.promise("a")}),
        build.node("n1", inputs or {}, ("n0",), gate_node=gate),
    ]
    if consumer_var is not None:
        nodes.append(build.task_node("n2", square, inputs={"x": build.promise(consumer_var, "n1")}))
    return build.spec(build.workflow("wf", nodes, {"a": build.INT})), [square]


def test_approve_gate_passes_its_inputs_through(build) -> None:
    gate = wf.GateNode(approve=wf.ApproveCondition(signal_id="ok"))
    spec, tasks = gate_workflow(build, gate, {"o0": build.promise("o0", "n0")})
    connections = build.connections(build.compile(spec, tasks))
    assert connections["upstream"]["n1"] == ["n0"]
    assert connections["upstream"]["n2"] == ["n1"]


def test_approve_gate_rejects_list_bindings(build) -> None:
    gate = wf.GateNode(approve=wf.ApproveCondition(signal_id="ok"))
    spec, tasks = gate_workflow(build, gate, {"o0": build.collection(build.integer(1))})
    assert ("MismatchingBindings", "n1") in build.errors(spec, tasks)


def test_signal_gate_produces_one_output(build) -> None:
    gate = wf.GateNode(
        signal=wf.SignalCondition(signal_id="s", type=build.INT, output_variable_name="o0")
    )
    spec, tasks = gate_workflow(build, gate)
    assert build.connections(build.compile(spec, tasks))["upstream"]["n2"] == ["n1"]


def test_signal_gate_needs_type_and_output_name(build) -> None:
    gate = wf.GateNode(signal=wf.SignalCondition(signal_id="s"))
    spec, tasks = gate_workflow(build, gate, consumer_var=None)
    with pytest.raises(WorkflowCompileFailed) as caught:
        build.compile(spec, tasks)
    assert sorted(e.description for e in caught.value.errors) == [
        "Value required [GateNode.Signal.OutputVariableName].",
        "Value required [GateNode.Signal.Type].",
    ]


def test_sleep_gate_has_no_interface(build) -> None:
    gate = wf.GateNode(sleep=wf.SleepCondition(duration=duration_pb2.Duration(seconds=5)))
    spec, tasks = gate_workflow(build, gate, consumer_var=None)
    assert build.compile(spec, tasks)
    spec, tasks = gate_workflow(build, gate, consumer_var="o0")
    assert ("VariableNameNotFound", "n1") in build.errors(spec, tasks)


def test_gate_without_condition(build) -> None:
    spec, tasks = gate_workflow(build, wf.GateNode(), consumer_var=None)
    assert build.errors(spec, tasks) == [("NoConditionFound", "n1")]


def array_workflow(build, inner: wf.Node, n1_inputs, *, flag: bool = False, **array_fields):
    make_list = build.task("make_list", {"n": build.INT}, {"o0": build.list_of(build.INT)})
    array = wf.ArrayNode(
        node=inner, is_original_sub_node_interface=BoolValue(value=flag), **array_fields
    )
    nodes = [
        build.task_node("n0", make_list, inputs={"n": build.promise("a")}),
        build.node("n1", n1_inputs, ("n0",), array_node=array),
    ]
    return build.workflow("wf", nodes, {"a": build.INT}), make_list


def test_map_task_uses_the_list_typed_task_interface(build) -> None:
    mapped = build.task("mapped", {"x": build.list_of(build.INT)}, {"o0": build.list_of(build.STR)})
    inner = build.task_node("mapped", mapped, inputs={"x": build.promise("o0", "n0")})
    template, make_list = array_workflow(build, inner, {"x": build.promise("o0", "n0")})
    template.outputs.add(var="o0", binding=build.promise("o0", "n1"))
    template.interface.outputs.variables["o0"].type.CopyFrom(build.list_of(build.STR))
    closure = build.compile(build.spec(template), [make_list, mapped])
    assert [t.template.id.name for t in closure.tasks] == ["make_list", "mapped"]
    assert build.connections(closure)["upstream"]["n1"] == ["n0"]
    inner_binding = closure.primary.template.nodes[3].array_node.node.inputs[0].binding
    assert inner_binding.promise.node_id == "n0"  # inner nodes are not rewritten


def test_array_over_launch_plan_wraps_the_interface(build) -> None:
    # flightdeck honours is_original_sub_node_interface (§12.3); Go reports MismatchingTypes.
    lp = build.launch_plan(
        "lp", required={"x": build.INT, "k": build.INT}, outputs={"o0": build.INT}
    )
    inner = build.node(
        "lp",
        {"x": build.promise("o0", "n0"), "k": build.integer(1)},
        workflow_node=wf.WorkflowNode(launchplan_ref=lp.id),
    )
    inputs = {"x": build.promise("o0", "n0"), "k": build.integer(1)}
    template, make_list = array_workflow(build, inner, inputs, flag=True, bound_inputs=["k"])
    template.outputs.add(var="o0", binding=build.promise("o0", "n1"))
    template.interface.outputs.variables["o0"].type.CopyFrom(build.list_of(build.INT))
    assert build.compile(build.spec(template), [make_list], [lp])
    template.ClearField("outputs")
    template.interface.ClearField("outputs")
    template.nodes[1].array_node.is_original_sub_node_interface.value = False
    assert build.errors(build.spec(template), [make_list], [lp]) == [("MismatchingTypes", "n1")]


def test_array_with_partial_success_outputs_optionals(build) -> None:
    lp = build.launch_plan("lp", required={"x": build.INT}, outputs={"o0": build.INT})
    inner = build.node(
        "lp", {"x": build.promise("o0", "n0")}, workflow_node=wf.WorkflowNode(launchplan_ref=lp.id)
    )
    template, make_list = array_workflow(
        build, inner, {"x": build.promise("o0", "n0")}, flag=True, min_success_ratio=0.5
    )
    template.outputs.add(var="o0", binding=build.promise("o0", "n1"))
    template.interface.outputs.variables["o0"].type.CopyFrom(
        build.list_of(build.optional(build.INT))
    )
    assert build.compile(build.spec(template), [make_list], [lp])
    template.interface.outputs.variables["o0"].type.CopyFrom(build.list_of(build.INT))
    assert build.errors(build.spec(template), [make_list], [lp]) == [
        ("MismatchingTypes", "end-node")
    ]


def test_array_without_inner_node(build) -> None:
    template, make_list = array_workflow(build, wf.Node(), {})
    template.nodes[1].array_node.ClearField("node")
    assert build.errors(build.spec(template), [make_list]) == [("ValueRequired", "n1")]

"""Task, launch plan and sub-workflow nodes; the failure node (§3.1-3.3, §3.9)."""

from __future__ import annotations

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import condition_pb2, identifier_pb2, literals_pb2
from flyteidl.core import workflow_pb2 as wf

from flightdeck_compiler import LaunchPlanInterface, index_launch_plans


def lp_node(build, lp, inputs, node_id: str = "n0") -> wf.Node:
    return build.node(node_id, inputs, workflow_node=wf.WorkflowNode(launchplan_ref=lp.id))


def test_launch_plan_node_binds_required_and_named_inputs(build) -> None:
    lp = build.launch_plan(
        "lp",
        required={"x": build.INT},
        defaulted={"y": build.optional(build.INT)},
        outputs={"o0": build.INT},
    )
    outputs = {"o0": (build.INT, build.promise("o0", "n0"))}
    for inputs in ({"x": build.promise("a")}, {"x": build.promise("a"), "y": build.none()}):
        template = build.workflow("wf", [lp_node(build, lp, inputs)], {"a": build.INT}, outputs)
        closure = build.compile(build.spec(template), [], [lp])
        assert build.connections(closure)["upstream"]["end-node"] == ["n0"]
        assert len(closure.launch_plans) == 0


def test_launch_plan_required_input_left_unbound(build) -> None:
    lp = build.launch_plan("lp", required={"x": build.INT})
    template = build.workflow("wf", [lp_node(build, lp, {})])
    assert build.errors(build.spec(template), [], [lp]) == [("ParameterNotBound", "n0")]


def test_binding_a_fixed_launch_plan_input(build) -> None:
    lp = build.launch_plan("lp", required={"x": build.INT})  # "fixed" is simply absent
    inputs = {"x": build.integer(1), "fixed": build.integer(2)}
    template = build.workflow("wf", [lp_node(build, lp, inputs)])
    assert build.errors(build.spec(template), [], [lp]) == [("VariableNameNotFound", "n0")]


def test_launch_plan_without_expected_interface(build) -> None:
    lp = build.launch_plan("lp", required={"x": build.INT})
    bare = type(lp)(lp.id, None, None)
    template = build.workflow("wf", [lp_node(build, lp, {"x": build.integer(1)})])
    errors = build.errors(build.spec(template), [], [bare])
    assert errors == [("ValueRequired", "n0"), ("ValueRequired", "n0")]


def test_missing_launch_plan_is_reported_at_start_node(build) -> None:
    lp = build.launch_plan("lp")
    template = build.workflow("wf", [lp_node(build, lp, {})])
    assert build.errors(build.spec(template)) == [("WorkflowReferenceNotFound", "start-node")]


def test_missing_task_is_reported_at_start_node(build) -> None:
    noop = build.task("noop")
    template = build.workflow("wf", [build.task_node("n0", noop)])
    assert build.errors(build.spec(template)) == [("TaskReferenceNotFound", "start-node")]


def test_task_node_without_reference(build) -> None:
    template = build.workflow("wf", [build.node("n0", task_node=wf.TaskNode())])
    assert build.errors(build.spec(template)) == [("ValueRequired", "n0")]


def test_task_reference_with_another_resource_type(build) -> None:
    # Quirk §10.9, kept: admin may find the row, but the compiler matches whole identifiers.
    noop = build.task("noop")
    node = build.task_node("n0", noop)
    node.task_node.reference_id.resource_type = identifier_pb2.WORKFLOW
    template = build.workflow("wf", [node])
    assert build.errors(build.spec(template), [noop]) == [("TaskReferenceNotFound", "start-node")]


def sub_workflow(build, name: str = "inner"):
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    node = build.task_node("n0", square, inputs={"x": build.promise("x")})
    outputs = {"o0": (build.INT, build.promise("o0", "n0"))}
    return build.workflow(name, [node], {"x": build.INT}, outputs), square


def sub_node(build, template, node_id: str = "n0", **inputs) -> wf.Node:
    workflow_node = wf.WorkflowNode(sub_workflow_ref=template.id)
    return build.node(node_id, inputs or {"x": build.promise("a")}, workflow_node=workflow_node)


def test_sub_workflow_is_compiled_into_the_closure(build) -> None:
    inner, square = sub_workflow(build)
    unused, _ = sub_workflow(build, "unused")
    outer = build.workflow("outer", [sub_node(build, inner)], {"a": build.INT})
    closure = build.compile(build.spec(outer, inner, unused), [square])
    compiled, raw = closure.sub_workflows
    assert [n.id for n in compiled.template.nodes] == ["start-node", "end-node", "n0"]
    assert dict(compiled.connections.upstream)["n0"].ids == ["start-node"]
    assert [n.id for n in raw.template.nodes] == ["n0"]
    assert not raw.HasField("connections")


def test_sub_workflow_errors_join_the_parent(build) -> None:
    inner, square = sub_workflow(build)
    inner.nodes[0].inputs[0].binding.promise.var = "nope"
    outer = build.workflow("outer", [sub_node(build, inner)], {"a": build.INT})
    errors = build.errors(build.spec(outer, inner), [square])
    assert errors == [("ParameterNotBound", "n0"), ("VariableNameNotFound", "start-node")]


def test_sub_workflow_scope_is_its_own(build) -> None:
    # The outer workflow may not use a task only its sub-workflow references.
    inner, square = sub_workflow(build)
    outer = build.workflow(
        "outer",
        [sub_node(build, inner), build.task_node("n1", square, inputs={"x": build.promise("a")})],
        {"a": build.INT},
    )
    assert build.compile(build.spec(outer, inner), [square])
    outer_only = build.workflow("outer", [sub_node(build, inner)], {"a": build.INT})
    lp = build.launch_plan("lp")
    inner.nodes.append(lp_node(build, lp, {}, node_id="n1"))
    assert build.compile(build.spec(outer_only, inner), [square], [lp])


def test_unknown_sub_workflow(build) -> None:
    inner, square = sub_workflow(build)
    outer = build.workflow("outer", [sub_node(build, inner)], {"a": build.INT})
    errors = build.errors(build.spec(outer), [square])
    assert errors == [("WorkflowReferenceNotFound", "n0")]


def test_workflow_node_without_reference(build) -> None:
    node = build.node("n0", workflow_node=wf.WorkflowNode())
    errors = build.errors(build.spec(build.workflow("wf", [node])))
    assert errors == [("WorkflowReferenceNotFound", "n0")]


def test_sub_workflow_with_branch_used_at_two_levels_is_prefixed_once(build) -> None:
    # flightdeck's choice (§12.4): Go prefixes then-nodes again at each nesting level.
    noop = build.task("noop", {}, {"o0": build.INT})
    branch = build.node(
        "n0",
        {".x": build.promise("x")},
        branch_node=wf.BranchNode(
            if_else=wf.IfElseBlock(
                case=wf.IfBlock(
                    condition=_x_positive(),
                    then_node=build.task_node("n0", noop),
                ),
                else_node=build.task_node("n1", noop),
            )
        ),
    )
    inner = build.workflow("inner", [branch], {"x": build.INT})
    middle = build.workflow(
        "middle", [sub_node(build, inner, x=build.promise("x"))], {"x": build.INT}
    )
    outer = build.workflow(
        "outer",
        [sub_node(build, middle), sub_node(build, inner, "n1")],
        {"a": build.INT},
    )
    closure = build.compile(build.spec(outer, inner, middle), [noop])
    compiled_inner = closure.sub_workflows[0].template
    then_node = compiled_inner.nodes[2].branch_node.if_else.case.then_node
    assert then_node.id == "n0-n0"


def _x_positive() -> condition_pb2.BooleanExpression:
    return condition_pb2.BooleanExpression(
        comparison=condition_pb2.ComparisonExpression(
            operator=condition_pb2.ComparisonExpression.GT,
            left_value=condition_pb2.Operand(var=".x"),
            right_value=condition_pb2.Operand(primitive=literals_pb2.Primitive(integer=0)),
        )
    )


def test_failure_node_gets_upstream_entries_only(build) -> None:
    inner, square = sub_workflow(build, "wf")
    cleanup = build.task("cleanup", {"x": build.INT, "err": build.optional(build.INT)})
    failure = build.task_node("fn0", cleanup, inputs={"x": build.promise("x"), "err": build.none()})
    inner.failure_node.CopyFrom(failure)
    closure = build.compile(build.spec(inner), [square, cleanup])
    connections = build.connections(closure)
    assert connections["upstream"]["fn0"] == ["start-node"]
    assert "fn0" not in connections["downstream"]
    assert [n.id for n in closure.primary.template.nodes] == ["start-node", "end-node", "n0"]
    assert closure.primary.template.failure_node.inputs[0].binding.promise.node_id == "start-node"


def test_failure_node_cannot_be_bound_to(build) -> None:
    inner, square = sub_workflow(build, "wf")
    inner.failure_node.CopyFrom(build.task_node("fn0", square, inputs={"x": build.promise("x")}))
    inner.outputs[0].binding.promise.node_id = "fn0"
    errors = build.errors(build.spec(inner), [square])
    assert ("NodeReferenceNotFound", "fn0") in errors


def test_failure_node_bindings_are_type_checked(build) -> None:
    inner, square = sub_workflow(build, "wf")
    inner.failure_node.CopyFrom(build.task_node("fn0", square, inputs={"x": build.string("s")}))
    assert build.errors(build.spec(inner), [square]) == [("MismatchingTypes", "fn0")]


def test_sub_workflow_without_interface(build) -> None:
    inner, square = sub_workflow(build)
    inner.ClearField("interface")
    del inner.outputs[:]
    inner.nodes[0].inputs[0].binding.CopyFrom(build.integer(1))
    outer = build.workflow("outer", [sub_node(build, inner)], {"a": build.INT})
    errors = build.errors(build.spec(outer, inner), [square])
    assert errors == [("ValueRequired", "n0")]


def test_launch_plan_interface_from_a_stored_launch_plan(build) -> None:
    lp = build.launch_plan("lp", required={"x": build.INT}, outputs={"o0": build.INT})
    stored = launch_plan_pb2.LaunchPlan(
        id=lp.id,
        closure=launch_plan_pb2.LaunchPlanClosure(
            expected_inputs=lp.expected_inputs, expected_outputs=lp.expected_outputs
        ),
    )
    interface = LaunchPlanInterface.of(stored)
    assert interface == lp
    assert LaunchPlanInterface.of(launch_plan_pb2.LaunchPlan(id=lp.id)).expected_inputs is None
    assert list(index_launch_plans([interface]).values()) == [interface]

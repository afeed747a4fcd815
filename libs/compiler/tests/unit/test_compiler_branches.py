"""Branch nodes and their conditions (§3.4, §3.5)."""

from __future__ import annotations

from flyteidl.core import condition_pb2 as cond
from flyteidl.core import literals_pb2
from flyteidl.core import workflow_pb2 as wf


def var(name: str) -> cond.Operand:
    return cond.Operand(var=name)


def number(value: int) -> cond.Operand:
    return cond.Operand(primitive=literals_pb2.Primitive(integer=value))


def compare(left: cond.Operand | None, right: cond.Operand | None) -> cond.BooleanExpression:
    comparison = cond.ComparisonExpression(operator=cond.ComparisonExpression.GT)
    if left is not None:
        comparison.left_value.CopyFrom(left)
    if right is not None:
        comparison.right_value.CopyFrom(right)
    return cond.BooleanExpression(comparison=comparison)


class Fixture:
    """square(x) → branch on its output: then add(a, 1) / elif square(a) / else noinput()."""

    def __init__(self, build, input_type=None) -> None:
        self.build = build
        value = input_type or build.INT
        self.square = build.task("square", {"x": build.INT}, {"o0": value})
        self.add = build.task("add", {"a": build.INT, "b": build.INT}, {"o0": build.INT})
        self.noinput = build.task("noinput", {}, {"o0": build.INT})
        self.tasks = [self.square, self.add, self.noinput]

    def then_add(self, node_id: str = "n0") -> wf.Node:
        inputs = {"a": self.build.promise("o0", "n0"), "b": self.build.integer(1)}
        return self.build.task_node(node_id, self.add, inputs=inputs, upstream=("n0",))

    def branch(self, if_else: wf.IfElseBlock, inputs=None) -> wf.Node:
        inputs = inputs if inputs is not None else {"n0.o0": self.build.promise("o0", "n0")}
        return self.build.node("n1", inputs, ("n0",), branch_node=wf.BranchNode(if_else=if_else))

    def if_else(self, condition=None, with_else: bool = True) -> wf.IfElseBlock:
        build = self.build
        block = wf.IfElseBlock(
            case=wf.IfBlock(
                condition=condition or compare(var("n0.o0"), number(100)), then_node=self.then_add()
            ),
            other=[
                wf.IfBlock(
                    condition=compare(var("n0.o0"), number(10)),
                    then_node=build.task_node("n1", self.square, inputs={"x": build.promise("a")}),
                )
            ],
        )
        if with_else:
            block.else_node.CopyFrom(build.task_node("n2", self.noinput))
        return block

    def spec(self, branch: wf.Node, *extra: wf.Node):
        build = self.build
        n0 = build.task_node("n0", self.square, inputs={"x": build.promise("a")})
        outputs = {"o0": (build.INT, build.promise("o0", "n1"))}
        return build.spec(build.workflow("wf", [n0, branch, *extra], {"a": build.INT}, outputs))


def test_branch_compiles_and_renames_then_nodes(build) -> None:
    f = Fixture(build)
    closure = build.compile(f.spec(f.branch(f.if_else())), f.tasks)
    if_else = closure.primary.template.nodes[3].branch_node.if_else
    assert [if_else.case.then_node.id, if_else.other[0].then_node.id, if_else.else_node.id] == [
        "n1-n0",
        "n1-n1",
        "n1-n2",
    ]
    connections = build.connections(closure)
    assert connections["upstream"]["n1-n0"] == ["n0"]
    assert connections["upstream"]["n1-n1"] == ["start-node"]
    assert "n1-n2" not in connections["upstream"]
    assert not any(k.startswith("n1-") for k in connections["downstream"])


def test_nested_branches_prefix_each_level(build) -> None:
    f = Fixture(build)
    inner = f.branch(f.if_else())
    inner.id = "n0"
    outer = f.if_else()
    outer.case.then_node.CopyFrom(inner)
    closure = build.compile(f.spec(f.branch(outer)), f.tasks)
    nested = closure.primary.template.nodes[3].branch_node.if_else.case.then_node
    assert nested.id == "n1-n0"
    assert nested.branch_node.if_else.case.then_node.id == "n1-n0-n0"


def test_branch_without_case(build) -> None:
    f = Fixture(build)
    if_else = f.if_else()
    if_else.ClearField("case")
    errors = build.errors(f.spec(f.branch(if_else)), f.tasks)
    assert ("BranchNodeHasNoCondition", "n1") in errors
    assert ("ValueRequired", "n1") in errors


def test_other_without_then_node(build) -> None:
    f = Fixture(build)
    if_else = f.if_else()
    if_else.other[0].ClearField("then_node")
    errors = build.errors(f.spec(f.branch(if_else)), f.tasks)
    assert errors == [("BranchNodeIdNotFound", "n1"), ("ValueRequired", "n1")]


def test_branch_needs_else_or_error(build) -> None:
    f = Fixture(build)
    without = f.if_else(with_else=False)
    assert build.errors(f.spec(f.branch(without)), f.tasks) == [("BranchNodeHasNoDefault", "n1")]
    failing = f.if_else(with_else=False)
    failing.error.message = "no branch taken"
    failing.other[0].then_node.CopyFrom(f.then_add("n1"))
    closure = build.compile(f.spec(f.branch(failing)), f.tasks)
    assert closure.primary.template.nodes[3].branch_node.if_else.error.message


def test_branch_without_if_else(build) -> None:
    f = Fixture(build)
    branch = f.build.node("n1", {}, (), branch_node=wf.BranchNode())
    errors = build.errors(f.spec(branch), f.tasks)
    assert ("ValueRequired", "n1") in errors


def test_branch_outputs_must_have_identical_types(build) -> None:
    f = Fixture(build)
    if_else = f.if_else()
    float_task = build.task("to_float", {}, {"o0": build.FLOAT})
    if_else.else_node.CopyFrom(build.task_node("n2", float_task))
    errors = build.errors(f.spec(f.branch(if_else)), [*f.tasks, float_task])
    assert ("MismatchingTypes", "n1-n2") in errors


def test_condition_without_expression(build) -> None:
    f = Fixture(build)
    assert build.errors(f.spec(f.branch(f.if_else(cond.BooleanExpression()))), f.tasks) == [
        ("ValueRequired", "n1")
    ]


def test_condition_on_an_unknown_variable(build) -> None:
    f = Fixture(build)
    condition = compare(var("n9.o0"), number(1))
    assert build.errors(f.spec(f.branch(f.if_else(condition))), f.tasks) == [
        ("VariableNameNotFound", "n1")
    ]


def test_condition_operand_types_must_be_identical(build) -> None:
    # A FLOAT variable compared with an int literal fails (quirk §10.6, kept).
    f = Fixture(build, input_type=build.FLOAT)
    errors = build.errors(f.spec(f.branch(f.if_else())), f.tasks)
    assert ("MismatchingTypes", "n1") in errors


def test_condition_with_a_missing_operand(build) -> None:
    f = Fixture(build)
    errors = build.errors(f.spec(f.branch(f.if_else(compare(var("n0.o0"), None)))), f.tasks)
    assert errors == [("ValueRequired", "n1")]
    unset = compare(var("n0.o0"), cond.Operand())
    assert build.errors(f.spec(f.branch(f.if_else(unset))), f.tasks) == [("ValueRequired", "n1")]


def test_conjunction_checks_both_sides(build) -> None:
    f = Fixture(build)
    conjunction = cond.BooleanExpression(
        conjunction=cond.ConjunctionExpression(
            left_expression=compare(var("n0.o0"), number(1)),
            right_expression=compare(var("missing"), number(2)),
        )
    )
    errors = build.errors(f.spec(f.branch(f.if_else(conjunction))), f.tasks)
    assert errors == [("VariableNameNotFound", "n1")]


def test_is_none_scalar_operand_is_accepted(build) -> None:
    # flightdeck's choice (§12.3): Go reports ValueRequired [RightValue.Val] here.
    f = Fixture(build, input_type=build.optional(build.INT))
    none = cond.Operand(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))
    condition = compare(var("n0.o0"), none)
    if_else = f.if_else(condition)
    if_else.case.then_node.CopyFrom(build.task_node("n0", f.noinput))
    if_else.other[0].condition.CopyFrom(compare(var("n0.o0"), none))
    if_else.other[0].then_node.CopyFrom(build.task_node("n1", f.noinput))
    closure = build.compile(f.spec(f.branch(if_else)), f.tasks)
    assert closure.primary.template.nodes[3].id == "n1"
    text = cond.Operand(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value="x"))
    )
    errors = build.errors(f.spec(f.branch(f.if_else(compare(var("n0.o0"), text)))), f.tasks)
    assert ("MismatchingTypes", "n1") in errors


def test_branch_binding_may_not_reference_a_later_node(build) -> None:
    # Branch inputs resolve while nodes are registered in list order (quirk §10.5, kept).
    f = Fixture(build)
    branch = f.branch(
        f.if_else(), inputs={"n0.o0": build.promise("o0", "n0"), "n5.o0": build.promise("o0", "n5")}
    )
    later = build.task_node("n5", f.noinput)
    errors = build.errors(f.spec(branch, later), f.tasks)
    assert errors[0] == ("NodeReferenceNotFound", "n5")


def test_then_nodes_cannot_be_referenced_from_outside(build) -> None:
    f = Fixture(build)
    reader = build.task_node("n5", f.square, inputs={"x": build.promise("o0", "n1-n0")})
    errors = build.errors(f.spec(f.branch(f.if_else()), reader), f.tasks)
    assert ("NodeReferenceNotFound", "n1-n0") in errors


def test_branch_output_types(build) -> None:
    f = Fixture(build)
    closure = build.compile(f.spec(f.branch(f.if_else())), f.tasks)
    assert build.connections(closure)["upstream"]["end-node"] == ["n1"]
    assert closure.primary.template.outputs[0].binding.promise.node_id == "n1"


def test_conjunction_with_a_missing_side(build) -> None:
    f = Fixture(build)
    conjunction = cond.BooleanExpression(
        conjunction=cond.ConjunctionExpression(left_expression=compare(var("n0.o0"), number(1)))
    )
    errors = build.errors(f.spec(f.branch(f.if_else(conjunction))), f.tasks)
    assert errors == [("BranchNodeHasNoCondition", "n1")]

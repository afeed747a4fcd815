"""Branch evaluation (spec §3.5), including the none/union improvement (quirk §9.1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import condition_pb2, execution_pb2, literals_pb2, types_pb2, workflow_pb2
from google.protobuf import duration_pb2, timestamp_pb2

from flightdeck_executor.domain.branches import BranchFailed, choose_then_node

FIXTURES = Path(__file__).resolve().parents[4] / ".." / "shared" / "fixtures" / "out"
Op = condition_pb2.ComparisonExpression

NONE = literals_pb2.Scalar(none_type=literals_pb2.Void())


def _prim(**value: object) -> literals_pb2.Primitive:
    return literals_pb2.Primitive(**value)  # type: ignore[arg-type]


def _lit(**value: object) -> literals_pb2.Literal:
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=_prim(**value)))


def _optional(value: literals_pb2.Literal) -> literals_pb2.Literal:
    """How flytekit stores an Optional[...] output: a union around the value (or a none)."""
    union = literals_pb2.Union(value=value, type=types_pb2.LiteralType(simple=types_pb2.INTEGER))
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(union=union))


def _var(name: str) -> condition_pb2.Operand:
    return condition_pb2.Operand(var=name)


def _const(**value: object) -> condition_pb2.Operand:
    return condition_pb2.Operand(primitive=_prim(**value))


def _cmp(
    left: condition_pb2.Operand, op: int, right: condition_pb2.Operand
) -> condition_pb2.BooleanExpression:
    comparison = condition_pb2.ComparisonExpression(
        operator=op,  # type: ignore[arg-type]
        left_value=left,
        right_value=right,
    )
    return condition_pb2.BooleanExpression(comparison=comparison)


def _and_or(
    op: int, left: condition_pb2.BooleanExpression, right: condition_pb2.BooleanExpression
) -> condition_pb2.BooleanExpression:
    conjunction = condition_pb2.ConjunctionExpression(
        operator=op,  # type: ignore[arg-type]
        left_expression=left,
        right_expression=right,
    )
    return condition_pb2.BooleanExpression(conjunction=conjunction)


def _branch(
    *conditions: condition_pb2.BooleanExpression, otherwise: str | None = "else", error: str = ""
) -> workflow_pb2.BranchNode:
    blocks = [
        workflow_pb2.IfBlock(condition=c, then_node=workflow_pb2.Node(id=f"then{i}"))
        for i, c in enumerate(conditions)
    ]
    if_else = workflow_pb2.IfElseBlock(case=blocks[0], other=blocks[1:])
    if otherwise is not None:
        if_else.else_node.id = otherwise
    elif error:
        if_else.error.message = error
    return workflow_pb2.BranchNode(if_else=if_else)


def _inputs(**literals: literals_pb2.Literal) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals=literals)


def _decide(expression: condition_pb2.BooleanExpression, inputs: literals_pb2.LiteralMap) -> bool:
    return choose_then_node(_branch(expression), inputs).id == "then0"


def test_first_true_condition_wins_and_later_ones_are_not_evaluated() -> None:
    branch = _branch(
        _cmp(_var("x"), Op.GT, _const(integer=100)),
        _cmp(_var("x"), Op.GT, _const(integer=10)),
        _cmp(_var("missing"), Op.EQ, _const(integer=1)),
    )
    assert choose_then_node(branch, _inputs(x=_lit(integer=50))).id == "then1"


def test_else_node_when_nothing_matches() -> None:
    branch = _branch(_cmp(_var("x"), Op.LT, _const(integer=0)))
    assert choose_then_node(branch, _inputs(x=_lit(integer=5))).id == "else"


def test_user_error_when_nothing_matches() -> None:
    branch = _branch(
        _cmp(_var("x"), Op.LT, _const(integer=0)), otherwise=None, error="a must be non-negative"
    )
    with pytest.raises(BranchFailed) as failure:
        choose_then_node(branch, _inputs(x=_lit(integer=5)))
    assert failure.value.code == "UserProvidedError"
    assert failure.value.message == "[UserProvidedError] a must be non-negative"
    assert failure.value.kind == execution_pb2.ExecutionError.USER


def test_no_branch_satisfied_without_else_or_error() -> None:
    branch = _branch(_cmp(_var("x"), Op.LT, _const(integer=0)), otherwise=None)
    with pytest.raises(BranchFailed) as failure:
        choose_then_node(branch, _inputs(x=_lit(integer=5)))
    assert failure.value.code == "MalformedBranchUserError"
    assert failure.value.message == "[MalformedBranchUserError] No branch satisfied"


@pytest.mark.parametrize(
    ("op", "left", "right", "expected"),
    [
        (Op.EQ, 3, 3, True),
        (Op.NEQ, 3, 3, False),
        (Op.GT, 4, 3, True),
        (Op.GTE, 3, 3, True),
        (Op.LT, 3, 3, False),
        (Op.LTE, 3, 3, True),
        (Op.LT, 2, 3, True),
        (Op.GT, 2, 3, False),
    ],
)
def test_integer_operators(op: int, left: int, right: int, expected: bool) -> None:
    expression = _cmp(_var("x"), op, _const(integer=right))
    assert _decide(expression, _inputs(x=_lit(integer=left))) is expected


@pytest.mark.parametrize(
    ("left", "op", "right", "expected"),
    [
        ({"float_value": 2.5}, Op.GT, {"float_value": 2.0}, True),
        ({"integer": 3}, Op.GT, {"float_value": 2.5}, True),
        ({"float_value": 3.0}, Op.EQ, {"integer": 3}, True),
        ({"string_value": "abc"}, Op.LT, {"string_value": "abd"}, True),
        ({"string_value": "b"}, Op.GTE, {"string_value": "a"}, True),
        ({"boolean": True}, Op.EQ, {"boolean": True}, True),
        ({"boolean": True}, Op.NEQ, {"boolean": False}, True),
        (
            {"datetime": timestamp_pb2.Timestamp(seconds=10, nanos=900)},
            Op.EQ,
            {"datetime": timestamp_pb2.Timestamp(seconds=10)},
            True,
        ),
        (
            {"duration": duration_pb2.Duration(seconds=90)},
            Op.GT,
            {"duration": duration_pb2.Duration(seconds=60, nanos=999)},
            True,
        ),
    ],
)
def test_operand_kinds(
    left: dict[str, object], op: int, right: dict[str, object], expected: bool
) -> None:
    assert _decide(_cmp(_const(**left), op, _const(**right)), _inputs()) is expected


def test_booleans_reject_ordering() -> None:
    expression = _cmp(_const(boolean=True), Op.GT, _const(boolean=False))
    with pytest.raises(BranchFailed) as failure:
        _decide(expression, _inputs())
    assert failure.value.code == "MalformedBranchUserError"
    assert "[GT] not defined for boolean operands." in failure.value.message


def test_different_primitive_kinds_do_not_compare() -> None:
    expression = _cmp(_const(integer=1), Op.EQ, _const(string_value="1"))
    with pytest.raises(BranchFailed) as failure:
        _decide(expression, _inputs())
    assert failure.value.message == (
        "[MalformedBranchUserError] Comparison between different primitives types. "
        "lVal[*core.Primitive_Integer]:rVal[*core.Primitive_StringValue]"
    )


def test_missing_variable_fails_the_branch() -> None:
    with pytest.raises(BranchFailed) as failure:
        _decide(_cmp(_var("n0.o0"), Op.EQ, _const(integer=1)), _inputs())
    assert failure.value.code == "MalformedBranchUserError"
    assert "Failed to find Value for Variable [n0.o0]" in failure.value.message


def test_non_primitive_values_do_not_compare() -> None:
    collection = literals_pb2.Literal(collection=literals_pb2.LiteralCollection())
    with pytest.raises(BranchFailed, match=r"Only primitives can be compared\. LHS"):
        _decide(_cmp(_var("x"), Op.EQ, _const(integer=1)), _inputs(x=collection))


def test_unset_primitive_is_an_evaluation_error() -> None:
    expression = _cmp(condition_pb2.Operand(primitive=literals_pb2.Primitive()), Op.EQ, _const())
    with pytest.raises(BranchFailed) as failure:
        _decide(expression, _inputs())
    assert failure.value.code == "IllegalStateError"
    assert failure.value.kind == execution_pb2.ExecutionError.SYSTEM
    assert failure.value.message.startswith("Branch evaluation failed. Error [")


def test_conjunctions_evaluate_both_sides() -> None:
    true = _cmp(_const(integer=1), Op.EQ, _const(integer=1))
    false = _cmp(_const(integer=1), Op.EQ, _const(integer=2))
    broken = _cmp(_var("missing"), Op.EQ, _const(integer=1))
    Conj = condition_pb2.ConjunctionExpression
    assert _decide(_and_or(Conj.AND, true, true), _inputs()) is True
    assert _decide(_and_or(Conj.AND, true, false), _inputs()) is False
    assert _decide(_and_or(Conj.OR, false, true), _inputs()) is True
    with pytest.raises(BranchFailed):
        _decide(_and_or(Conj.OR, true, broken), _inputs())


def test_expression_without_comparison_or_conjunction_fails() -> None:
    with pytest.raises(BranchFailed, match="No Comparison or Conjunction found"):
        _decide(condition_pb2.BooleanExpression(), _inputs())


def _is_none(var: str, op: int = Op.EQ) -> condition_pb2.BooleanExpression:
    return _cmp(_var(var), op, condition_pb2.Operand(scalar=NONE))


def test_is_none_on_an_optional_output_holding_none() -> None:
    none_value = _optional(literals_pb2.Literal(scalar=NONE))
    assert _decide(_is_none("n0.o0"), _inputs(**{"n0.o0": none_value})) is True
    assert _decide(_is_none("n0.o0", Op.NEQ), _inputs(**{"n0.o0": none_value})) is False


def test_is_none_on_an_optional_output_holding_a_value() -> None:
    some = _optional(_lit(integer=4))
    assert _decide(_is_none("n0.o0"), _inputs(**{"n0.o0": some})) is False
    assert _decide(_is_none("n0.o0", Op.NEQ), _inputs(**{"n0.o0": some})) is True


def test_optional_values_compare_after_unwrapping() -> None:
    expression = _cmp(_var("x"), Op.GT, _const(integer=3))
    assert _decide(expression, _inputs(x=_optional(_lit(integer=4)))) is True


def test_none_rejects_ordering() -> None:
    with pytest.raises(BranchFailed, match=r"\[GT\] not defined for none operands"):
        _decide(_is_none("x", Op.GT), _inputs(x=literals_pb2.Literal(scalar=NONE)))


def test_scalar_primitive_operand_is_understood() -> None:
    operand = condition_pb2.Operand(scalar=literals_pb2.Scalar(primitive=_prim(integer=2)))
    assert _decide(_cmp(_var("x"), Op.EQ, operand), _inputs(x=_lit(integer=2))) is True


def _fixture_branch(pattern: str) -> workflow_pb2.BranchNode:
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES.resolve()}"
    spec = admin_workflow_pb2.WorkflowSpec.FromString(next(FIXTURES.glob(pattern)).read_bytes())
    return next(n.branch_node for n in spec.template.nodes if n.HasField("branch_node"))


def test_flytekit_is_none_workflow_chooses_by_none_ness() -> None:
    branch = _fixture_branch("*wf_conditional_is_none.workflow.pb")
    none_value = _optional(literals_pb2.Literal(scalar=NONE))
    taken = choose_then_node(branch, _inputs(**{"n0.o0": none_value}))
    skipped = choose_then_node(branch, _inputs(**{"n0.o0": _optional(_lit(integer=4))}))
    assert taken.id == branch.if_else.case.then_node.id
    assert skipped.id == branch.if_else.else_node.id


def test_flytekit_conditional_fail_workflow() -> None:
    branch = _fixture_branch("*wf_conditional_fail.workflow.pb")
    assert choose_then_node(branch, _inputs(**{".a": _lit(integer=0)})).id.endswith("n0")
    with pytest.raises(BranchFailed) as failure:
        choose_then_node(branch, _inputs(**{".a": _lit(integer=-1)}))
    assert failure.value.message == "[UserProvidedError] a must be non-negative"

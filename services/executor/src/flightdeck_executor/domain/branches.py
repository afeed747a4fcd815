"""Choosing a branch node's then-node (spec §3.5).

``case`` is evaluated first, then each ``other`` in order; the first true condition wins and
later ones are not evaluated. Without a match, ``else_node`` runs, or the branch fails with the
``error`` the user declared. Both sides of AND/OR are evaluated, so an error on either side fails
the branch even when the other side decides the result (as in propeller).

``BranchFailed.message`` is the text propeller reports, ``[<code>] <message>`` for the user
errors and ``Branch evaluation failed. Error [...]`` for the rest; ``kind`` tells them apart.
"""

from __future__ import annotations

from flyteidl.core import condition_pb2, execution_pb2, literals_pb2, workflow_pb2

from flightdeck_executor.domain.comparisons import (
    ILLEGAL_STATE,
    MALFORMED_BRANCH,
    USER_PROVIDED_ERROR,
    ComparisonFailed,
    compare,
)

__all__ = [
    "ILLEGAL_STATE",
    "MALFORMED_BRANCH",
    "USER_PROVIDED_ERROR",
    "BranchFailed",
    "choose_then_node",
    "evaluate",
]


class BranchFailed(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    @property
    def kind(self) -> execution_pb2.ExecutionError.ErrorKind:
        if self.code in (USER_PROVIDED_ERROR, MALFORMED_BRANCH):
            return execution_pb2.ExecutionError.USER
        return execution_pb2.ExecutionError.SYSTEM


def choose_then_node(
    branch: workflow_pb2.BranchNode, inputs: literals_pb2.LiteralMap
) -> workflow_pb2.Node:
    if_else = branch.if_else
    try:
        for block in (if_else.case, *if_else.other):
            if evaluate(block.condition, inputs):
                return block.then_node
    except ComparisonFailed as failure:
        raise _reported(failure.code, failure.message) from failure
    if if_else.HasField("else_node"):
        return if_else.else_node
    if if_else.HasField("error"):
        raise _reported(USER_PROVIDED_ERROR, if_else.error.message)
    raise _reported(MALFORMED_BRANCH, "No branch satisfied")


def evaluate(expression: condition_pb2.BooleanExpression, inputs: literals_pb2.LiteralMap) -> bool:
    kind = expression.WhichOneof("expr")
    if kind == "comparison":
        return compare(expression.comparison, inputs)
    if kind != "conjunction":
        raise ComparisonFailed(
            MALFORMED_BRANCH, "No Comparison or Conjunction found in Branch node expression."
        )
    conjunction = expression.conjunction
    left = evaluate(conjunction.left_expression, inputs)
    right = evaluate(conjunction.right_expression, inputs)
    if conjunction.operator == condition_pb2.ConjunctionExpression.OR:
        return left or right
    return left and right


def _reported(code: str, message: str) -> BranchFailed:
    if code in (USER_PROVIDED_ERROR, MALFORMED_BRANCH):
        return BranchFailed(code, f"[{code}] {message}")
    return BranchFailed(ILLEGAL_STATE, f"Branch evaluation failed. Error [{message}]")

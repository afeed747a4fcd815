"""Compile errors: a code, the node it is reported at, and a description (compiler spec §8).

Codes and descriptions are wire-visible: admin embeds them in the INVALID_ARGUMENT message, and
users and tests match on them, so the texts follow the ones Flyte has always printed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Code(StrEnum):
    CYCLE_DETECTED = "CycleDetected"
    UNREACHABLE_NODES = "UnreachableNodes"
    BRANCH_NODE_ID_NOT_FOUND = "BranchNodeIdNotFound"
    BRANCH_NODE_HAS_NO_CONDITION = "BranchNodeHasNoCondition"
    BRANCH_NODE_HAS_NO_DEFAULT = "BranchNodeHasNoDefault"
    VALUE_REQUIRED = "ValueRequired"
    INVALID_VALUE = "InvalidValue"
    NODE_REFERENCE_NOT_FOUND = "NodeReferenceNotFound"
    TASK_REFERENCE_NOT_FOUND = "TaskReferenceNotFound"
    WORKFLOW_REFERENCE_NOT_FOUND = "WorkflowReferenceNotFound"
    VARIABLE_NAME_NOT_FOUND = "VariableNameNotFound"
    DUPLICATE_ALIAS = "DuplicateAlias"
    DUPLICATE_ID = "DuplicateId"
    MISMATCHING_TYPES = "MismatchingTypes"
    MISMATCHING_BINDINGS = "MismatchingBindings"
    PARAMETER_BOUND_MORE_THAN_ONCE = "ParameterBoundMoreThanOnce"
    PARAMETER_NOT_BOUND = "ParameterNotBound"
    UNRECOGNIZED_VALUE = "UnrecognizedValue"
    SYNTAX_ERROR = "SyntaxError"
    NO_NODES_FOUND = "NoNodesFound"
    ILLEGAL_ENUM_VALUE = "IllegalEnumValue"
    AMBIGUOUS_BINDING_UNION_VALUE = "AmbiguousBindingUnionValue"
    INCOMPATIBLE_BINDING_UNION_VALUE = "IncompatibleBindingUnionValue"
    NO_CONDITION_FOUND = "NoConditionFound"
    FIELD_NOT_FOUND = "FieldNotFound"


@dataclass(frozen=True)
class CompileError:
    code: Code
    node_id: str
    description: str

    def __str__(self) -> str:
        return f"Code: {self.code}, Node Id: {self.node_id}, Description: {self.description}"


class ErrorSet:
    """Collects errors as compilation goes on; identical errors collapse into one."""

    def __init__(self) -> None:
        self._seen: list[CompileError] = []

    def add(self, error: CompileError) -> None:
        self._seen.append(error)

    def extend(self, errors: Iterable[CompileError]) -> None:
        self._seen.extend(errors)

    def mark(self) -> int:
        """A position to ask ``added_since`` about, for "was this step clean?" checks."""
        return len(self._seen)

    def added_since(self, mark: int) -> bool:
        return len(self._seen) > mark

    def rollback(self, mark: int) -> None:
        """Forget what was added since ``mark`` (a trial binding against one union variant)."""
        del self._seen[mark:]

    def __bool__(self) -> bool:
        return bool(self._seen)

    def sorted(self) -> tuple[CompileError, ...]:
        # By code, then by the formatted line: the order Flyte prints them in.
        return tuple(sorted(set(self._seen), key=lambda e: (str(e.code), str(e))))


def collected_errors_text(errors: Iterable[CompileError]) -> str:
    ordered = list(errors)
    lines = "".join(f"\tError {i}: {error}\n" for i, error in enumerate(ordered))
    return f"Collected Errors: {len(ordered)}\n{lines}"

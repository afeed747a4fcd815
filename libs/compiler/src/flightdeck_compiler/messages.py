"""One constructor per compile error, with the description texts Flyte prints (§8.1)."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_compiler.errors import Code, CompileError


def value_required(node_id: str, what: str) -> CompileError:
    return CompileError(Code.VALUE_REQUIRED, node_id, f"Value required [{what}].")


def invalid_value(node_id: str, what: str) -> CompileError:
    return CompileError(Code.INVALID_VALUE, node_id, f"Invalid value [{what}].")


def parameter_not_bound(node_id: str, param: str) -> CompileError:
    return CompileError(Code.PARAMETER_NOT_BOUND, node_id, f"Parameter not bound [{param}].")


def node_reference_not_found(node_id: str, reference: str) -> CompileError:
    text = f"Referenced node [{reference}] not found."
    return CompileError(Code.NODE_REFERENCE_NOT_FOUND, node_id, text)


def workflow_reference_not_found(node_id: str, reference: str) -> CompileError:
    text = f"Referenced Workflow [{reference}] not found."
    return CompileError(Code.WORKFLOW_REFERENCE_NOT_FOUND, node_id, text)


def task_reference_not_found(node_id: str, reference: str) -> CompileError:
    text = f"Referenced Task [{reference}] not found."
    return CompileError(Code.TASK_REFERENCE_NOT_FOUND, node_id, text)


def variable_not_found(node_id: str, owner: str, variable: str) -> CompileError:
    text = f"Variable [{variable}] not found on node [{owner}]."
    return CompileError(Code.VARIABLE_NAME_NOT_FOUND, node_id, text)


def bound_more_than_once(node_id: str, param: str) -> CompileError:
    text = f"Input [{param}] is bound more than once."
    return CompileError(Code.PARAMETER_BOUND_MORE_THAN_ONCE, node_id, text)


def duplicate_alias(node_id: str, alias: str) -> CompileError:
    text = (
        f"Duplicate alias [{alias}] found. An output alias can only be used once in the Workflow."
    )
    return CompileError(Code.DUPLICATE_ALIAS, node_id, text)


def duplicate_id(node_id: str) -> CompileError:
    return CompileError(Code.DUPLICATE_ID, node_id, "Trying to insert two nodes with the same id.")


def reserved_id(node_id: str) -> CompileError:
    text = f"Node id [{node_id}] is reserved for the nodes the compiler adds."
    return CompileError(Code.DUPLICATE_ID, node_id, text)


def mismatching_types(node_id: str, var: str, got: str, expected: str) -> CompileError:
    text = f"Variable [{var}] (type [{got}]) doesn't match expected type [{expected}]."
    return CompileError(Code.MISMATCHING_TYPES, node_id, text)


def mismatching_variables(
    node_id: str, output: str, output_type: str, input_: str, input_type: str
) -> CompileError:
    text = (
        f"The output variable '{output}' has type [{output_type}], but it's assigned to the "
        f"input variable '{input_}' which has type type [{input_type}]."
    )
    return CompileError(Code.MISMATCHING_TYPES, node_id, text)


def mismatching_bindings(node_id: str, param: str, expected: str, received: str) -> CompileError:
    text = (
        f"Input [{param}] on node [{node_id}] expects bindings of type [{expected}].  "
        f"Received [{received}]"
    )
    return CompileError(Code.MISMATCHING_BINDINGS, node_id, text)


def field_not_found(node_id: str, var: str, var_type: str, field: str) -> CompileError:
    text = f"Variable [{var}] (type [{var_type}]) doesn't have field [{field}]."
    return CompileError(Code.FIELD_NOT_FOUND, node_id, text)


def illegal_enum_value(
    node_id: str, param: str, received: str, allowed: Sequence[str]
) -> CompileError:
    # Go prints the allowed values as a slice inside brackets: [[red green]].
    text = (
        f"Input [{param}] on node [{node_id}] is an Enum and expects value to be one of "
        f"[[{' '.join(allowed)}]].  Received [{received}]"
    )
    return CompileError(Code.ILLEGAL_ENUM_VALUE, node_id, text)


def ambiguous_union(
    node_id: str, param: str, expected: str, binding: str, first: str, second: str
) -> CompileError:
    text = (
        f"Input [{param}] on node [{node_id}] expects bindings of union type [{expected}].  "
        f"Received [{binding}] which is ambiguous as both variants [{first}] and [{second}] match."
    )
    return CompileError(Code.AMBIGUOUS_BINDING_UNION_VALUE, node_id, text)


def incompatible_union(node_id: str, param: str, expected: str, binding: str) -> CompileError:
    text = (
        f"Input [{param}] on node [{node_id}] expects bindings of union type [{expected}].  "
        f"Received [{binding}] which does not match any of the variants."
    )
    return CompileError(Code.INCOMPATIBLE_BINDING_UNION_VALUE, node_id, text)


def unrecognized_value(node_id: str, value: str) -> CompileError:
    return CompileError(Code.UNRECOGNIZED_VALUE, node_id, f"Unrecognized value [{value}].")


def syntax_error(node_id: str, element: str) -> CompileError:
    return CompileError(Code.SYNTAX_ERROR, node_id, f"Failed to parse element [{element}].")


def no_nodes_found(workflow_id: str) -> CompileError:
    text = f"Can't find any nodes in workflow [{workflow_id}]."
    return CompileError(Code.NO_NODES_FOUND, workflow_id, text)


def cycle_detected(node_id: str, path: str) -> CompileError:
    text = f"A cycle has been detected while traversing the Workflow [{path}]."
    return CompileError(Code.CYCLE_DETECTED, node_id, text)


def unreachable_nodes(node_id: str, nodes: str) -> CompileError:
    text = f"The Workflow contain unreachable nodes [{nodes}]."
    return CompileError(Code.UNREACHABLE_NODES, node_id, text)


def branch_not_assigned(node_id: str) -> CompileError:
    return CompileError(Code.BRANCH_NODE_ID_NOT_FOUND, node_id, "BranchNode not assigned")


def branch_without_condition(node_id: str) -> CompileError:
    text = "One of the branches on the node doesn't have a condition."
    return CompileError(Code.BRANCH_NODE_HAS_NO_CONDITION, node_id, text)


def branch_without_default(node_id: str) -> CompileError:
    text = "Branch Node must have either the else case set or a default error."
    return CompileError(Code.BRANCH_NODE_HAS_NO_DEFAULT, node_id, text)


def gate_without_condition(node_id: str) -> CompileError:
    text = f"Can't find any condition in gate node [{node_id}]."
    return CompileError(Code.NO_CONDITION_FOUND, node_id, text)

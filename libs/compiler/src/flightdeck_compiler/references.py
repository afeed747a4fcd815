"""What a workflow refers to: identifier keys, launch plan interfaces and the node walk that
finds the tasks and launch plans admin must load before compiling (§1.1 step 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2, workflow_pb2

# Go compares identifiers by their whole proto text, so every field counts, resource type too.
IdentifierKey = tuple[int, str, str, str, str, str]


def identifier_key(identifier: identifier_pb2.Identifier) -> IdentifierKey:
    return (
        int(identifier.resource_type),
        identifier.project,
        identifier.domain,
        identifier.name,
        identifier.version,
        identifier.org,
    )


def requirement_order(identifier: identifier_pb2.Identifier) -> IdentifierKey:
    """Admin sorts requirements by (resource_type, project, domain, name, version); org comes
    last in the key, so it only breaks ties, keeping the order total."""
    return identifier_key(identifier)


@dataclass(frozen=True)
class LaunchPlanInterface:
    """What a launch plan node sees of its launch plan: the stored closure's interface."""

    id: identifier_pb2.Identifier
    expected_inputs: interface_pb2.ParameterMap | None
    expected_outputs: interface_pb2.VariableMap | None

    @classmethod
    def of(
        cls, launch_plan: launch_plan_pb2.LaunchPlan, *, id: identifier_pb2.Identifier | None = None
    ) -> LaunchPlanInterface:
        closure = launch_plan.closure
        return cls(
            id=id if id is not None else launch_plan.id,
            expected_inputs=closure.expected_inputs
            if closure.HasField("expected_inputs")
            else None,
            expected_outputs=(
                closure.expected_outputs if closure.HasField("expected_outputs") else None
            ),
        )


class References(NamedTuple):
    """Tasks and launch plans a workflow needs, de-duplicated and in admin's sorted order."""

    tasks: tuple[identifier_pb2.Identifier, ...]
    launch_plans: tuple[identifier_pb2.Identifier, ...]


def index_tasks(
    templates: Iterable[tasks_pb2.TaskTemplate],
) -> dict[IdentifierKey, tasks_pb2.TaskTemplate]:
    return {identifier_key(t.id): t for t in templates}


def index_launch_plans(
    interfaces: Iterable[LaunchPlanInterface],
) -> dict[IdentifierKey, LaunchPlanInterface]:
    return {identifier_key(lp.id): lp for lp in interfaces}


def walk_nodes(nodes: Iterable[workflow_pb2.Node]) -> Iterator[workflow_pb2.Node]:
    """Each node and, depth first, its branch and array sub-nodes (not sub-workflow nodes)."""
    for node in nodes:
        yield node
        yield from walk_nodes(sub_nodes(node))


def sub_nodes(node: workflow_pb2.Node) -> list[workflow_pb2.Node]:
    kind = node.WhichOneof("target")
    if kind == "array_node" and node.array_node.HasField("node"):
        return [node.array_node.node]
    if kind != "branch_node":
        return []
    if_else = node.branch_node.if_else
    found = [if_else.case.then_node] if if_else.case.HasField("then_node") else []
    found += [other.then_node for other in if_else.other if other.HasField("then_node")]
    if if_else.HasField("else_node"):
        found.append(if_else.else_node)
    return found


def top_nodes(template: workflow_pb2.WorkflowTemplate) -> list[workflow_pb2.Node]:
    failure = [template.failure_node] if template.HasField("failure_node") else []
    return [*template.nodes, *failure]


def sorted_unique(
    ids: Iterable[identifier_pb2.Identifier],
) -> tuple[identifier_pb2.Identifier, ...]:
    unique = {identifier_key(i): i for i in ids}
    return tuple(sorted(unique.values(), key=requirement_order))


def sub_workflow_index(
    templates: Iterable[workflow_pb2.WorkflowTemplate],
) -> tuple[dict[IdentifierKey, workflow_pb2.WorkflowTemplate], list[identifier_pb2.Identifier]]:
    """The sub-workflows by id, and the ids that appear more than once."""
    index: dict[IdentifierKey, workflow_pb2.WorkflowTemplate] = {}
    duplicates = []
    for template in templates:
        key = identifier_key(template.id)
        if key in index:
            duplicates.append(template.id)
        index.setdefault(key, template)
    return index, duplicates

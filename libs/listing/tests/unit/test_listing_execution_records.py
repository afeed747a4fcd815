"""The node and task execution listings (admin.md §5.1, §5.5): which entities and columns their
filters reach, phases by name, and the task execution entity's project/domain/name rewrite."""

from __future__ import annotations

import pytest
from flyteidl.admin import common_pb2

from flightdeck_listing import NODE_EXECUTIONS, TASK_EXECUTIONS, plan_listing
from flightdeck_platform import faults


def _fields(schema, text: str) -> list[tuple[str, object]]:  # type: ignore[no-untyped-def]
    plan = plan_listing(schema, text, None, 10, "")
    return [(c.field, c.value) for c in plan.conditions]


def test_node_filters_reach_the_node_and_the_execution_identity() -> None:
    assert _fields(
        NODE_EXECUTIONS,
        "eq(phase,FAILED)+gt(duration,1m)+eq(execution.execution_name,run1)+eq(parent_id,n1)",
    ) == [("phase", "FAILED"), ("duration", 60.0), ("execution_name", "run1"), ("parent_id", "n1")]


def test_task_execution_project_domain_name_filter_the_execution() -> None:
    assert _fields(TASK_EXECUTIONS, "eq(project,p)+eq(name,run1)+eq(version,v1)") == [
        ("execution_project", "p"),
        ("execution_name", "run1"),
        ("version", "v1"),
    ]
    assert _fields(TASK_EXECUTIONS, "eq(task.name,t)+eq(node_execution.node_id,n0)") == [
        ("name", "t"),
        ("node_id", "n0"),
    ]
    plan = plan_listing(TASK_EXECUTIONS, "", common_pb2.Sort(key="project"), 10, "")
    assert plan.ordering.fields[0] == "project", "sort keys are not rewritten"


@pytest.mark.parametrize(
    ("schema", "text", "message"),
    [
        (NODE_EXECUTIONS, "eq(project,p)", "'ne.project' is invalid filter"),
        (NODE_EXECUTIONS, "eq(execution.phase,RUNNING)", "'e.phase' is invalid filter"),
        (NODE_EXECUTIONS, "eq(task.name,t)", "'t' entity is not allowed in filters"),
        (NODE_EXECUTIONS, "eq(phase,QUEUEING)", "invalid value 'QUEUEING' for filter 'ne.phase'"),
        (NODE_EXECUTIONS, "eq(parent_task_execution_id,7)", "is invalid filter"),
        (TASK_EXECUTIONS, "eq(phase,SKIPPED)", "for filter 'te.phase'"),
        (TASK_EXECUTIONS, "eq(task.type,python)", "'t.type' is invalid filter"),
        (TASK_EXECUTIONS, "eq(node_execution.phase,RUNNING)", "'ne.phase' is invalid filter"),
        (TASK_EXECUTIONS, "eq(retry_attempt,first)", "expected an integer"),
    ],
)
def test_what_the_documents_cannot_answer_is_refused_naming_it(
    schema,
    text: str,
    message: str,  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(faults.InvalidArgument, match=message.replace("(", r"\(")):
        plan_listing(schema, text, None, 10, "")

"""What admin loads before compiling, and how failures read on the wire (§1.1, §2, §8)."""

from __future__ import annotations

import pytest
from flyteidl.core import identifier_pb2
from flyteidl.core import workflow_pb2 as wf

from flightdeck_compiler import (
    WorkflowCompileFailed,
    compile_workflow,
    identifier_key,
    required_references,
)
from flightdeck_platform import faults


def test_requirements_follow_branches_arrays_failure_node_and_sub_workflows(build) -> None:
    a, b, c, d = (build.task(name) for name in ("a", "b", "c", "d"))
    lp = build.launch_plan("lp")
    inner = build.workflow("inner", [build.task_node("n0", d)])
    branch = build.node(
        "n1",
        branch_node=wf.BranchNode(
            if_else=wf.IfElseBlock(
                case=wf.IfBlock(then_node=build.task_node("n0", c)),
                else_node=build.node("n1", workflow_node=wf.WorkflowNode(launchplan_ref=lp.id)),
            )
        ),
    )
    array = build.node("n2", array_node=wf.ArrayNode(node=build.task_node("x", b)))
    sub = build.node("n3", workflow_node=wf.WorkflowNode(sub_workflow_ref=inner.id))
    template = build.workflow(
        "wf", [build.task_node("n0", c), branch, array, sub], failure_node=build.task_node("fn0", a)
    )
    references = required_references(build.spec(template, inner))
    assert [t.name for t in references.tasks] == ["a", "b", "c", "d"]
    assert [p.name for p in references.launch_plans] == ["lp"]


def test_requirements_sort_by_resource_type_project_domain_name_version(build) -> None:
    late = build.task("z")
    early = build.task("z")
    early.id.version = "v0"
    other = build.task("a")
    other.id.project = "q"
    nodes = [build.task_node(f"n{i}", t) for i, t in enumerate([other, late, early, late])]
    references = required_references(build.spec(build.workflow("wf", nodes)))
    assert [(t.project, t.name, t.version) for t in references.tasks] == [
        ("p", "z", "v0"),
        ("p", "z", "v1"),
        ("q", "a", "v1"),
    ]


def test_unknown_sub_workflow_fails_the_requirements(build) -> None:
    missing = build.ident("missing", identifier_pb2.WORKFLOW)
    node = build.node("n0", workflow_node=wf.WorkflowNode(sub_workflow_ref=missing))
    with pytest.raises(WorkflowCompileFailed) as caught:
        required_references(build.spec(build.workflow("wf", [node])))
    assert caught.value.message == (
        'failed to compile workflow for [resource_type:WORKFLOW project:"p" domain:"d" name:"wf" '
        'version:"v1"] with err: failed to get workflow requirements with err Collected Errors: 1\n'
        "\tError 0: Code: WorkflowReferenceNotFound, Node Id: n0, Description: Referenced Workflow "
        '[resource_type:WORKFLOW project:"p" domain:"d" name:"missing" version:"v1"] not found.\n'
    )
    assert isinstance(caught.value, faults.InvalidArgument)


def test_duplicate_sub_workflow_ids(build) -> None:
    inner = build.workflow("inner", [build.task_node("n0", build.task("a"))])
    spec = build.spec(build.workflow("wf", [build.task_node("n0", build.task("a"))]), inner, inner)
    with pytest.raises(WorkflowCompileFailed) as caught:
        required_references(spec)
    assert [str(e.code) for e in caught.value.errors] == ["DuplicateId"]
    assert build.errors(spec, [build.task("a")]) == [
        ("DuplicateId", 'resource_type:WORKFLOW project:"p" domain:"d" name:"inner" version:"v1"')
    ]


def test_spec_without_template(build) -> None:
    spec = build.spec(build.workflow("wf", []))
    spec.ClearField("template")
    with pytest.raises(WorkflowCompileFailed) as caught:
        compile_workflow(spec, {}, {})
    assert [(str(e.code), e.node_id) for e in caught.value.errors] == [("ValueRequired", "root")]


def test_task_template_without_id(build) -> None:
    noop = build.task("noop")
    template = build.workflow("wf", [build.task_node("n0", noop)])
    anonymous = build.task("noop")
    anonymous.ClearField("id")
    with pytest.raises(WorkflowCompileFailed) as caught:
        compile_workflow(build.spec(template), {identifier_key(noop.id): anonymous}, {})
    assert [(str(e.code), e.node_id) for e in caught.value.errors] == [("ValueRequired", "task")]


def test_compile_errors_are_all_listed_in_order(build) -> None:
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    nodes = [
        build.task_node("n0", square, inputs={"x": build.string("s")}),
        build.task_node("n1", square, inputs={"x": build.promise("o0", "nX")}),
    ]
    with pytest.raises(WorkflowCompileFailed) as caught:
        build.compile(build.spec(build.workflow("wf", nodes)), [square])
    assert caught.value.message.split("with err: ", 1)[1] == (
        "Collected Errors: 3\n"
        "\tError 0: Code: MismatchingTypes, Node Id: n0, Description: Variable [x] (type "
        "[simple:STRING]) doesn't match expected type [simple:INTEGER].\n"
        "\tError 1: Code: NodeReferenceNotFound, Node Id: nX, Description: Referenced node [nX] "
        "not found.\n"
        "\tError 2: Code: ParameterNotBound, Node Id: n1, Description: Parameter not bound [x].\n"
    )


def test_identical_errors_collapse(build) -> None:
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    node = build.task_node("n0", square, inputs={"x": build.promise("o0", "nX")})
    node.inputs.add(var="y", binding=build.promise("o0", "nX"))
    errors = build.errors(build.spec(build.workflow("wf", [node])), [square])
    assert errors.count(("NodeReferenceNotFound", "nX")) == 1

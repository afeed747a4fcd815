"""Every workflow flytekit registered in ../shared/fixtures, compiled and compared with
expectations.json, except where flightdeck decided a quirk differently (compiler spec §12).
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import launch_plan_pb2, task_pb2
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, types_pb2
from google.protobuf import json_format

from flightdeck_compiler import (
    LaunchPlanInterface,
    WorkflowCompileFailed,
    compile_workflow,
    identifier_key,
    required_references,
)
from flightdeck_compiler.references import walk_nodes
from flightdeck_typecheck import compact_text

# libs/compiler/tests/unit/<this file>: parents[4] is the repository root.
SHARED = Path(__file__).resolve().parents[4] / ".." / "shared"
FIXTURES = SHARED / "fixtures"
OUT = FIXTURES / "out"

DECISIONS: dict[str, dict[str, Any]] = {
    # §12.3: flytekit emits these and propeller runs them, so flightdeck compiles them.
    "wf_conditional_is_none": {
        "compiles": True,
        "connections": {
            "downstream": {"n0": ["n1"], "n1": ["end-node"], "start-node": ["n0"]},
            "upstream": {
                "end-node": ["n1"],
                "n0": ["start-node"],
                "n1": ["n0"],
                "n1-n1": ["start-node"],
            },
        },
    },
    "wf_array_node_lp": {
        "compiles": True,
        "connections": {
            "downstream": {"n0": ["n1"], "n1": ["end-node"], "start-node": ["n0"]},
            "upstream": {"end-node": ["n1"], "n0": ["start-node"], "n1": ["n0"]},
        },
    },
    # §12.2: an explicit upstream id that names no node is rejected at registration.
    "ghost_upstream": {
        "compiles": False,
        "errors": [
            {
                "code": "NodeReferenceNotFound",
                "node_id": "ghost",
                "description": "Referenced node [ghost] not found.",
            }
        ],
    },
    # §12.1: duplicate and reserved node ids are rejected instead of silently dropped.
    "reserved_id": {
        "compiles": False,
        "errors": [
            {
                "code": "DuplicateId",
                "node_id": "end-node",
                "description": "Node id [end-node] is reserved for the nodes the compiler adds.",
            }
        ],
    },
    "duplicate_node_id": {
        "compiles": False,
        "errors": [
            {
                "code": "DuplicateId",
                "node_id": "n2",
                "description": "Trying to insert two nodes with the same id.",
            }
        ],
    },
}


@cache
def manifest() -> list[dict[str, Any]]:
    return json.loads((OUT / "manifest.json").read_text())


@cache
def expectations() -> dict[str, Any]:
    return json.loads((FIXTURES / "expectations.json").read_text())


def workflow_entries() -> dict[str, dict[str, Any]]:
    return {
        entry["id"]["name"].split(".", 1)[1]: entry
        for entry in manifest()
        if entry["kind"] == "workflow"
    }


def case_names() -> list[str]:
    # A missing shared folder must fail the run, never turn into an empty (skipped) set.
    if not FIXTURES.is_dir():
        return ["<shared fixtures missing>"]
    return sorted(workflow_entries())


def identifier(fields: dict[str, Any]) -> identifier_pb2.Identifier:
    return json_format.ParseDict(fields, identifier_pb2.Identifier())


def load(entry: dict[str, Any], message_type: type) -> Any:
    expected_name = message_type.DESCRIPTOR.full_name
    assert entry["message"] == expected_name, entry["file"]
    return message_type.FromString((OUT / entry["file"]).read_bytes())


def task_templates() -> dict:
    templates = (
        load(entry, task_pb2.TaskSpec).template for entry in manifest() if entry["kind"] == "task"
    )
    return {identifier_key(template.id): template for template in templates}


def launch_plan_interfaces() -> dict:
    """Interfaces as admin stores them at CreateLaunchPlan, plus the hand-made reference LP."""
    workflows = {
        identifier_key(identifier(entry["id"])): load(entry, admin_workflow_pb2.WorkflowSpec)
        for entry in manifest()
        if entry["kind"] == "workflow"
    }
    interfaces = [remote_launch_plan()]
    for entry in manifest():
        if entry["kind"] == "launchplan":
            launch_plan = load(entry, launch_plan_pb2.LaunchPlan)
            workflow = workflows[identifier_key(launch_plan.spec.workflow_id)].template
            interfaces.append(stored_interface(launch_plan, workflow.interface))
    return {identifier_key(lp.id): lp for lp in interfaces}


def stored_interface(launch_plan, workflow_interface) -> LaunchPlanInterface:
    expected = interface_pb2.ParameterMap()
    expected.CopyFrom(launch_plan.spec.default_inputs)
    for name, variable in workflow_interface.inputs.variables.items():
        if name not in expected.parameters and name not in launch_plan.spec.fixed_inputs.literals:
            expected.parameters[name].var.CopyFrom(variable)
            expected.parameters[name].required = True
    return LaunchPlanInterface(launch_plan.id, expected, workflow_interface.outputs)


def remote_launch_plan() -> LaunchPlanInterface:
    # fixtures/README.md: x: int (required), y: Optional[int] = None; output o0: int.
    integer = types_pb2.LiteralType(simple=types_pb2.INTEGER)
    tagged = types_pb2.LiteralType(
        simple=types_pb2.INTEGER, structure=types_pb2.TypeStructure(tag="int")
    )
    none = types_pb2.LiteralType(
        simple=types_pb2.NONE, structure=types_pb2.TypeStructure(tag="none")
    )
    inputs = interface_pb2.ParameterMap()
    inputs.parameters["x"].var.type.CopyFrom(integer)
    inputs.parameters["x"].required = True
    inputs.parameters["y"].var.type.union_type.variants.extend([tagged, none])
    inputs.parameters["y"].default.scalar.union.value.scalar.none_type.SetInParent()
    inputs.parameters["y"].default.scalar.union.type.CopyFrom(none)
    outputs = interface_pb2.VariableMap()
    outputs.variables["o0"].type.CopyFrom(integer)
    lp_id = identifier_pb2.Identifier(
        resource_type=identifier_pb2.LAUNCH_PLAN,
        project="otherproject",
        domain="development",
        name="some.remote.lp",
        version="abc123",
    )
    return LaunchPlanInterface(lp_id, inputs, outputs)


def connections_of(compiled) -> dict[str, dict[str, list[str]]]:
    return {
        direction: {
            k: list(v.ids) for k, v in sorted(getattr(compiled.connections, direction).items())
        }
        for direction in ("downstream", "upstream")
    }


def loose(text: str) -> str:
    return re.sub(r"\s+", "", text)


def compile_case(name: str):
    entry = workflow_entries()[name]
    spec = load(entry, admin_workflow_pb2.WorkflowSpec)
    spec.template.id.CopyFrom(identifier(entry["id"]))  # admin's step before compiling
    # The manifest lists what admin would load; required_references must ask for no more.
    listed_tasks = [identifier_key(identifier(t)) for t in entry["required_tasks"]]
    listed_lps = [identifier_key(identifier(p)) for p in entry["required_launch_plans"]]
    references = required_references(spec)
    assert {identifier_key(t) for t in references.tasks} <= set(listed_tasks)
    assert {identifier_key(p) for p in references.launch_plans} == set(listed_lps)
    tasks, lps = task_templates(), launch_plan_interfaces()
    needed_tasks = {key: tasks[key] for key in listed_tasks}
    needed_lps = {key: lps[key] for key in listed_lps}
    return spec, compile_workflow(spec, needed_tasks, needed_lps)


@pytest.mark.parametrize("name", case_names())
def test_fixture_workflow(name: str) -> None:
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES.resolve()}"
    expected = {**expectations()[name], **DECISIONS.get(name, {})}
    if not expected["compiles"]:
        with pytest.raises(WorkflowCompileFailed) as caught:
            compile_case(name)
        assert_errors(caught.value, expected["errors"])
        return
    spec, closure = compile_case(name)
    assert connections_of(closure.primary) == expected["connections"]
    assert_compiled_shape(closure, spec, expected)


def assert_errors(failure: WorkflowCompileFailed, expected: list[dict[str, str]]) -> None:
    workflow_text = compact_text(failure.workflow_id)
    got = [(str(e.code), e.node_id, loose(e.description)) for e in failure.errors]
    want = [
        (
            e["code"],
            e["node_id"].replace("<Go proto text of the template id>", workflow_text),
            loose(e["description"].replace("<Go proto text of the template id>", workflow_text)),
        )
        for e in expected
    ]
    assert got == want
    assert failure.message.startswith(
        f"failed to compile workflow for [{workflow_text}] with err: "
    )
    assert f"Collected Errors: {len(want)}\n" in failure.message


def assert_compiled_shape(closure, spec, expected: dict[str, Any]) -> None:
    template = closure.primary.template
    node_ids = [node.id for node in template.nodes]
    assert node_ids[:2] == ["start-node", "end-node"]
    if "template_node_ids" in expected:
        assert node_ids == expected["template_node_ids"]
    if "closure_tasks" in expected:
        assert [t.template.id.name for t in closure.tasks] == expected["closure_tasks"]
    if "renamed_branch_nodes" in expected:
        then_ids = {n.id for n in walk_nodes(template.nodes)} - set(node_ids)
        assert then_ids == set(expected["renamed_branch_nodes"].values())
    for sub_name in expected.get("subworkflow_connections", {}):
        compiled = next(s for s in closure.sub_workflows if s.template.id.name == sub_name)
        inner = {**expectations()[sub_name.split(".", 1)[1]]}
        assert connections_of(compiled) == inner["connections"]
    assert [s.template.id.name for s in closure.sub_workflows] == [
        s.id.name for s in spec.sub_workflows
    ]
    assert all(
        binding.binding.promise.node_id != ""
        for node in walk_nodes(template.nodes)
        for binding in node.inputs
        if node.WhichOneof("target") != "array_node" and binding.binding.HasField("promise")
    )


def test_compiling_twice_gives_identical_bytes() -> None:
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES.resolve()}"
    for name in ("wf_explicit_deps", "wf_conditional_nested", "wf_types"):
        first, second = compile_case(name)[1], compile_case(name)[1]
        assert first.SerializeToString(deterministic=True) == second.SerializeToString(
            deterministic=True
        )

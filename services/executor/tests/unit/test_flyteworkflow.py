"""The FlyteWorkflow builder on closures compiled by flightdeck's compiler from flytekit's real
registration payloads (../shared/fixtures): the object carries what flytepropeller v1.16.8
decodes, in the JSON shape each of its Go types has."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import task_pb2
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import (
    compiler_pb2,
    identifier_pb2,
    literals_pb2,
    security_pb2,
)
from google.protobuf import json_format, struct_pb2

from flightdeck_compiler import compile_workflow, identifier_key
from flightdeck_executor.domain.flyteworkflow import (
    FINALIZER,
    FlyteWorkflowBuildError,
    HandoffOptions,
    TaskResources,
    build_flyteworkflow,
    namespace_for,
)
from flightdeck_executor.domain.flyteworkflow_spec import sanitize_label_value
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2

# services/executor/tests/unit/<this file>: parents[5] is the folder holding shared/.
OUT = Path(__file__).resolve().parents[5] / "shared" / "fixtures" / "out"
PROJECT, DOMAIN = "flytesnacks", "development"


@cache
def _manifest() -> list[dict[str, Any]]:
    return json.loads((OUT / "manifest.json").read_text())


def _identifier(fields: dict[str, Any]) -> identifier_pb2.Identifier:
    return json_format.ParseDict(fields, identifier_pb2.Identifier())


def compiled(name: str) -> compiler_pb2.CompiledWorkflowClosure:
    """A fixture workflow compiled as admin compiles it at CreateWorkflow."""
    assert OUT.is_dir(), f"shared fixtures not found at {OUT}"
    entry = next(
        e for e in _manifest() if e["kind"] == "workflow" and e["id"]["name"].endswith(f".{name}")
    )
    spec = admin_workflow_pb2.WorkflowSpec.FromString((OUT / entry["file"]).read_bytes())
    spec.template.id.CopyFrom(_identifier(entry["id"]))
    tasks = {}
    for task_entry in _manifest():
        if task_entry["kind"] == "task":
            template = task_pb2.TaskSpec.FromString(
                (OUT / task_entry["file"]).read_bytes()
            ).template
            tasks[identifier_key(template.id)] = template
    needed = {
        identifier_key(_identifier(t)): tasks[identifier_key(_identifier(t))]
        for t in entry["required_tasks"]
    }
    return compile_workflow(spec, needed, {})


def created(name: str = "abc123") -> executions_pb2.ExecutionCreated:
    command = executions_pb2.ExecutionCreated(
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project=PROJECT, domain=DOMAIN, name=name
        ),
        inputs_uri="s3://bucket/metadata/flytesnacks/development/abc123/inputs",
        compiled_workflow_uri="s3://bucket/metadata/admin/closure",
    )
    command.accepted_at.FromDatetime(datetime(2025, 3, 4, 5, 6, 7, 890000, tzinfo=UTC))
    return command


def build(
    name: str,
    command: executions_pb2.ExecutionCreated | None = None,
    inputs: literals_pb2.LiteralMap | None = None,
    **options: Any,
) -> dict[str, Any]:
    obj = build_flyteworkflow(
        command or created(),
        compiled(name),
        inputs if inputs is not None else literals_pb2.LiteralMap(),
        HandoffOptions(namespace=f"{PROJECT}-{DOMAIN}", **options),
    )
    # Whatever the builder returns must be plain JSON, as it goes to the API server.
    decoded: dict[str, Any] = json.loads(json.dumps(obj))
    return decoded


def _fnv32a(data: bytes) -> int:
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def test_the_object_is_named_after_the_execution_with_propellers_labels() -> None:
    obj = build("wf_simple")
    assert (obj["apiVersion"], obj["kind"]) == ("flyte.lyft.com/v1alpha1", "FlyteWorkflow")
    metadata = obj["metadata"]
    assert (metadata["name"], metadata["namespace"]) == ("abc123", "flytesnacks-development")
    assert metadata["labels"] == {
        "execution-id": "abc123",
        "project": PROJECT,
        "domain": DOMAIN,
        "workflow-name": "sample-workflows-wf-simple",
        "shard-key": str(_fnv32a(b"abc123") % 32),
    }
    # The finalizer makes a delete an abort that propeller reports before the object goes.
    assert metadata["finalizers"] == [FINALIZER]
    assert "annotations" not in metadata
    assert obj["executionId"] == {"project": PROJECT, "domain": DOMAIN, "name": "abc123"}
    assert obj["acceptedAt"] == "2025-03-04T05:06:07Z"
    assert obj["workflowMeta"] == {"eventVersion": 2}


def test_the_spec_carries_every_node_its_edges_and_outputs() -> None:
    closure = compiled("wf_simple")
    spec = build("wf_simple")["spec"]
    assert spec["id"] == "flytesnacks:development:sample_workflows.wf_simple"
    template_ids = {node.id for node in closure.primary.template.nodes}
    assert set(spec["nodes"]) == template_ids
    assert spec["nodes"]["start-node"]["kind"] == "start"
    assert spec["nodes"]["end-node"]["kind"] == "end"
    downstream = {k: list(v.ids) for k, v in closure.primary.connections.downstream.items()}
    upstream = {k: list(v.ids) for k, v in closure.primary.connections.upstream.items()}
    assert spec["edges"] == {"downstream": downstream, "upstream": upstream}
    assert spec["connections"] == downstream
    assert set(spec["outputs"]["variables"]) == set(
        closure.primary.template.interface.outputs.variables
    )
    assert [b["var"] for b in spec["outputBindings"]] == [
        b.var for b in closure.primary.template.outputs
    ]
    assert "onFailurePolicy" not in spec  # FAIL_IMMEDIATELY is Go's zero value, left out


def test_task_nodes_name_their_task_by_the_same_key_as_the_tasks_map() -> None:
    obj = build("wf_simple")
    task_nodes = [n for n in obj["spec"]["nodes"].values() if n["kind"] == "task"]
    assert task_nodes
    for node in task_nodes:
        assert node["task"] in obj["tasks"], node["task"]
        # Go's Identifier.String(): proto text, enum by name, strings quoted.
        assert node["task"].startswith('resource_type:TASK project:"flytesnacks"')
        assert node["resources"] == {}
        assert node["inputBindings"]
    first = obj["tasks"][task_nodes[0]["task"]]
    assert first["id"]["resourceType"] == "TASK"  # jsonpb: lowerCamel names, enum names
    assert first["type"] == "python-task"


def test_task_interfaces_lose_descriptions_and_type_metadata_but_keep_cache_keys() -> None:
    closure = compiled("wf_simple")
    task = closure.tasks[0].template
    variable = task.interface.inputs.variables[next(iter(task.interface.inputs.variables))]
    variable.description = "shown in the console only"
    variable.type.metadata.CopyFrom(
        struct_pb2.Struct(fields={"x": struct_pb2.Value(number_value=1)})
    )
    output = task.interface.outputs.variables[next(iter(task.interface.outputs.variables))]
    output.type.annotation.annotations.update({"cache-key-metadata": {"k": "v"}})
    obj = build_flyteworkflow(created(), closure, literals_pb2.LiteralMap(), HandoffOptions("ns"))
    interface = next(iter(obj["tasks"].values()))["interface"]
    stripped = next(iter(interface["inputs"]["variables"].values()))
    assert "description" not in stripped and "metadata" not in stripped["type"]
    kept = next(iter(interface["outputs"]["variables"].values()))
    assert kept["type"]["annotation"] == {"annotations": {"cache-key-metadata": {"k": "v"}}}
    assert closure.tasks[0].template.interface.inputs.variables  # the caller's copy untouched
    assert variable.description == "shown in the console only"


def test_retries_become_min_attempts() -> None:
    closure = compiled("wf_simple")
    node = next(n for n in closure.primary.template.nodes if n.HasField("task_node"))
    node.metadata.retries.retries = 2
    obj = build_flyteworkflow(created(), closure, literals_pb2.LiteralMap(), HandoffOptions("ns"))
    assert obj["spec"]["nodes"][node.id]["retry"] == {"minAttempts": 3}


def test_sub_workflows_are_keyed_by_the_reference_their_nodes_carry() -> None:
    obj = build("sub_outer")
    workflow_nodes = [n for n in obj["spec"]["nodes"].values() if n["kind"] == "workflow"]
    assert workflow_nodes
    for node in workflow_nodes:
        reference = node["workflow"]["subWorkflowRef"]
        assert reference in obj["subWorkflows"]
        sub = obj["subWorkflows"][reference]
        assert sub["id"] == "flytesnacks:development:sample_workflows.sub_inner"
        assert "start-node" in sub["nodes"] and sub["edges"]["downstream"]["start-node"]


def test_branch_cases_are_flattened_into_the_workflow_nodes() -> None:
    obj = build("wf_conditional")
    nodes = obj["spec"]["nodes"]
    branches = [n for n in nodes.values() if n["kind"] == "branch"]
    assert branches
    for branch in branches:
        spec = branch["branch"]
        cases = [spec["if"], *spec.get("elseIf", [])]
        assert all("comparison" in c["condition"] or "conjunction" in c["condition"] for c in cases)
        for then in [c["then"] for c in cases] + ([spec["else"]] if "else" in spec else []):
            assert then in nodes, then


def test_an_else_fail_is_a_go_struct_with_snake_case_names() -> None:
    obj = build("wf_conditional_fail")
    branch = next(n for n in obj["spec"]["nodes"].values() if n["kind"] == "branch")["branch"]
    assert set(branch["elseFail"]) == {"failed_node_id", "message"}
    assert branch["elseFail"]["message"]


def test_an_array_node_uses_go_field_names_and_null_for_unset_criteria() -> None:
    obj = build("wf_map_task")
    array = next(n for n in obj["spec"]["nodes"].values() if n["kind"] == "array")["array"]
    assert set(array) == {
        "SubNodeSpec",
        "Parallelism",
        "MinSuccesses",
        "MinSuccessRatio",
        "BoundInputs",
    }
    assert array["SubNodeSpec"]["kind"] == "task"
    assert array["SubNodeSpec"]["task"] in obj["tasks"]
    assert array["MinSuccesses"] is None
    # 0.75 as a float32 written by Go, not its float64 widening.
    assert array["MinSuccessRatio"] == 0.75 and array["Parallelism"] == 2
    assert array["BoundInputs"] == ["factor"]


def test_gates_carry_their_condition_and_node_timeouts_become_deadlines() -> None:
    nodes = build("wf_gates")["spec"]["nodes"]
    gates = {n["gate"]["kind"]: n for n in nodes.values() if n["kind"] == "gate"}
    assert set(gates) == {"sleep", "signal", "approve"}
    assert gates["sleep"]["gate"]["sleep"] == {"duration": "10s"}
    assert gates["approve"]["gate"]["approve"] == {"signalId": "approve_square"}
    assert gates["signal"]["gate"]["signal"]["signalId"] == "extra"
    # An hour's timeout: Go's time.Duration text, and the active deadline at twice that.
    assert gates["signal"]["executionDeadline"] == "1h0m0s"
    assert gates["signal"]["activeDeadline"] == "2h0m0s"


def test_a_failure_node_is_the_specs_on_failure() -> None:
    spec = build("wf_failure_node")["spec"]
    assert spec["onFailure"]["kind"] == "task"
    assert spec["onFailure"]["id"] not in spec["nodes"]


def test_inputs_are_inline_jsonpb_literals() -> None:
    inputs = literals_pb2.LiteralMap()
    inputs.literals["a"].scalar.primitive.integer = 7
    obj = build("wf_simple", inputs=inputs)
    assert obj["inputs"] == {"literals": {"a": {"scalar": {"primitive": {"integer": "7"}}}}}
    assert "offloadedInputs" not in obj


def test_offloading_leaves_references_instead_of_the_closure_and_inputs() -> None:
    command = created()
    obj = build(
        "wf_simple",
        command,
        inputs=None,
        closure_reference=command.compiled_workflow_uri,
        inputs_reference=command.inputs_uri,
    )
    assert obj["workflowClosureReference"] == command.compiled_workflow_uri
    assert obj["offloadedInputs"] == command.inputs_uri
    assert not {"spec", "tasks", "subWorkflows", "inputs"} & set(obj)
    # The labels still come from the closure, as flyteadmin builds before it offloads.
    assert obj["metadata"]["labels"]["workflow-name"] == "sample-workflows-wf-simple"


def test_the_execution_spec_becomes_security_context_and_execution_config() -> None:
    command = created()
    spec = command.spec
    spec.labels.values.update({"team": "ml", "project": "overridden"})
    spec.annotations.values["owner"] = "me"
    spec.security_context.run_as.k8s_service_account = "runner"
    spec.security_context.run_as.iam_role = "arn:aws:iam::1:role/r"
    spec.security_context.secrets.append(
        security_pb2.Secret(group="g", key="k", mount_requirement=security_pb2.Secret.ENV_VAR)
    )
    spec.raw_output_data_config.output_location_prefix = "s3://bucket/raw"
    spec.max_parallelism = 7
    spec.interruptible.value = True
    spec.overwrite_cache = True
    spec.envs.values.add(key="A", value="1")
    command.recovery_source.CopyFrom(
        identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN, name="old")
    )
    obj = build(
        "wf_simple",
        command,
        role_annotation_key="iam.amazonaws.com/role",
        task_resources=TaskResources({"cpu": "500m", "memory": "0"}, {"gpu": "1"}),
        console_url="http://console",
    )
    labels, annotations = obj["metadata"]["labels"], obj["metadata"]["annotations"]
    assert labels["team"] == "ml" and labels["project"] == "overridden"  # the execution's win
    assert annotations == {"owner": "me", "iam.amazonaws.com/role": "arn:aws:iam::1:role/r"}
    assert obj["serviceAccountName"] == "runner"
    # A Go struct: snake_case names and enums as numbers.
    assert obj["securityContext"] == {
        "run_as": {"iam_role": "arn:aws:iam::1:role/r", "k8s_service_account": "runner"},
        "secrets": [{"group": "g", "key": "k", "mount_requirement": 1}],
    }
    assert obj["rawOutputDataConfig"] == {"output_location_prefix": "s3://bucket/raw"}
    config = obj["executionConfig"]
    assert config["MaxParallelism"] == 7
    assert config["Interruptible"] is True and config["OverwriteCache"] is True
    assert config["EnvironmentVariables"] == {"A": "1"}
    assert config["RecoveryExecution"] == {"project": PROJECT, "domain": DOMAIN, "name": "old"}
    resources = config["TaskResources"]
    assert resources["Requests"] == {
        "CPU": "500m",
        "Memory": "0",
        "EphemeralStorage": "0",
        "Storage": "0",
        "GPU": "0",
    }
    assert resources["Limits"]["GPU"] == "1"
    assert obj["consoleUrl"] == "http://console"


def test_an_execution_without_config_gets_go_zero_values() -> None:
    obj = build("wf_simple")
    assert obj["securityContext"] == {} and obj["rawOutputDataConfig"] == {}
    assert "serviceAccountName" not in obj and "consoleUrl" not in obj
    config = obj["executionConfig"]
    assert config["Interruptible"] is None and config["EnvironmentVariables"] is None
    assert config["RecoveryExecution"] == {} and config["MaxParallelism"] == 0
    assert obj["node-defaults"] == {}


def test_a_node_naming_a_task_missing_from_the_closure_is_refused() -> None:
    closure = compiled("wf_simple")
    del closure.tasks[:]
    with pytest.raises(FlyteWorkflowBuildError, match="not in the closure"):
        build_flyteworkflow(created(), closure, literals_pb2.LiteralMap(), HandoffOptions("ns"))


def test_inputs_must_be_given_or_referenced() -> None:
    with pytest.raises(FlyteWorkflowBuildError, match="inputs"):
        build_flyteworkflow(created(), compiled("wf_simple"), None, HandoffOptions("ns"))


def test_a_workflow_without_an_entry_node_is_refused() -> None:
    closure = compiled("wf_simple")
    del closure.primary.connections.downstream["start-node"]
    with pytest.raises(FlyteWorkflowBuildError, match="no entry node"):
        build_flyteworkflow(created(), closure, literals_pb2.LiteralMap(), HandoffOptions("ns"))


def test_node_resource_overrides_become_kubernetes_resource_requirements() -> None:
    closure = compiled("wf_simple")
    node = next(n for n in closure.primary.template.nodes if n.HasField("task_node"))
    resources = node.task_node.overrides.resources
    resources.requests.add(name=1, value="250m")  # CPU
    resources.requests.add(name=2, value="0")  # GPU: zero is left out
    resources.limits.add(name=3, value="1Gi")  # MEMORY
    obj = build_flyteworkflow(created(), closure, literals_pb2.LiteralMap(), HandoffOptions("ns"))
    assert obj["spec"]["nodes"][node.id]["resources"] == {
        "limits": {"memory": "1Gi"},
        "requests": {"cpu": "250m"},
    }


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ project }}-{{ domain }}", "flytesnacks-development"),
        ("flyte-{{ project }}", "flyte-flytesnacks"),
        ("{{project}}", "{{project}}"),  # flyteadmin replaces only the spaced form
    ],
)
def test_the_namespace_template(template: str, expected: str) -> None:
    assert namespace_for(template, PROJECT, DOMAIN) == expected


def test_label_values_are_sanitized_like_propellers() -> None:
    assert sanitize_label_value("My_Workflows.WF__x-") == "my-workflows-wf-x"
    assert len(sanitize_label_value("a" * 80)) == 63


def test_a_literal_type_with_unused_fields_survives() -> None:
    # Guard on the types the strip recurses into: unions inside collections keep their tags.
    outputs = build("wf_map_task")["spec"]["outputs"]["variables"]["o0"]["type"]
    variants = outputs["collectionType"]["unionType"]["variants"]
    assert [v["structure"]["tag"] for v in variants] == ["str", "none"]
    assert [v["simple"] for v in variants] == ["STRING", "NONE"]

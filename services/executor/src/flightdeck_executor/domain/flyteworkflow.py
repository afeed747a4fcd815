"""The ``flyte.lyft.com/v1alpha1`` FlyteWorkflow object flytepropeller runs, built from an
``ExecutionCreated`` command as flyteadmin builds it (flyte v1.16.8: ``BuildFlyteWorkflow``
then ``PrepareFlyteWorkflow``). Pure: the caller reads the closure and the inputs.

The object is named after the execution, carries propeller's finalizer (so a delete becomes an
abort propeller reports before the object goes), the labels propeller shards and selects by,
the execution's own labels and annotations over them, and the execution config propeller reads
(max parallelism, interruptible, overwrite cache, envs, recovery source, platform task
resources). With ``closure_reference`` / ``inputs_reference`` the static spec and the inputs
stay in the object store and propeller reads them from there (flyteadmin's
``useOffloadedWorkflowClosure`` / ``useOffloadedInputs``), keeping the object small.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flyteidl.core import compiler_pb2, literals_pb2

from flightdeck_compiler import quantities
from flightdeck_executor.domain.flyteworkflow_spec import (
    START_NODE,
    FlyteWorkflowBuildError,
    JsonObject,
    sanitize_label_value,
    sub_workflow_specs,
    task_index,
    task_specs,
    workflow_spec,
)
from flightdeck_executor.domain.gojson import go_struct, jsonpb
from flightdeck_executor.domain.names import fnv1a
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2

__all__ = [
    "API_VERSION",
    "FINALIZER",
    "GROUP",
    "KIND",
    "PLURAL",
    "VERSION",
    "FlyteWorkflowBuildError",
    "HandoffOptions",
    "TaskResources",
    "build_flyteworkflow",
    "namespace_for",
]

GROUP = "flyte.lyft.com"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"
KIND = "FlyteWorkflow"
PLURAL = "flyteworkflows"
FINALIZER = "flyte.org/finalizer"
SHARD_KEYSPACE = 32
"""propeller's ShardKeyspaceSize: the ``shard-key`` label is fnv32a(name) modulo this."""
DEFAULT_EVENT_VERSION = 2

# propeller's TaskResourceSpec fields, from the names admin's task resource settings use.
_TASK_RESOURCE_FIELDS = {
    "cpu": "CPU",
    "memory": "Memory",
    "ephemeral_storage": "EphemeralStorage",
    "ephemeral-storage": "EphemeralStorage",
    "storage": "Storage",
    "gpu": "GPU",
}
# The ones flyteadmin copies into the object (it never sets Storage).
_COPIED_TASK_RESOURCES = ("CPU", "Memory", "EphemeralStorage", "GPU")


@dataclass(frozen=True)
class TaskResources:
    """Platform task resources (admin's ``task_resources``), by ``cpu``, ``memory``,
    ``ephemeral_storage``, ``gpu``; propeller bounds dynamic and array sub-tasks with them."""

    requests: Mapping[str, str] = field(default_factory=dict)
    limits: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HandoffOptions:
    namespace: str
    event_version: int = DEFAULT_EVENT_VERSION
    role_annotation_key: str = ""
    """Annotation that carries the security context's IAM role (flyteadmin's roleNameKey);
    empty: no annotation (flyteadmin would write an empty key, which Kubernetes refuses)."""
    task_resources: TaskResources = field(default_factory=TaskResources)
    console_url: str = ""
    closure_reference: str = ""
    """Where the run's ``admin.WorkflowClosure`` is stored; set, spec/tasks/subWorkflows are
    left out of the object and propeller reads them from there."""
    inputs_reference: str = ""
    """Where the run's inputs ``LiteralMap`` is stored; set, the inputs are left out."""


def namespace_for(template: str, project: str, domain: str) -> str:
    """flyteadmin's GetNamespaceName: ``{{ project }}`` and ``{{ domain }}`` replaced."""
    return template.replace("{{ project }}", project).replace("{{ domain }}", domain)


def build_flyteworkflow(
    created: executions_pb2.ExecutionCreated,
    closure: compiler_pb2.CompiledWorkflowClosure,
    inputs: literals_pb2.LiteralMap | None,
    options: HandoffOptions,
) -> JsonObject:
    """The object to create; ``inputs`` may be None only with ``options.inputs_reference``."""
    if inputs is None and not options.inputs_reference:
        raise FlyteWorkflowBuildError("the inputs are neither given nor referenced")
    tasks = task_index(closure)
    primary = workflow_spec(closure.primary, tasks)
    if not primary["edges"]["downstream"].get(START_NODE):
        raise FlyteWorkflowBuildError(
            f"workflow {primary['id']} has no entry node (nothing follows {START_NODE})"
        )
    obj: JsonObject = {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": _metadata(created, primary["id"], options),
    }
    if options.closure_reference:
        obj["workflowClosureReference"] = options.closure_reference
    else:
        obj["spec"] = primary
        obj["tasks"] = task_specs(closure)
        subs = sub_workflow_specs(closure, tasks)
        if subs:
            obj["subWorkflows"] = subs
    obj["workflowMeta"] = {"eventVersion": options.event_version} if options.event_version else {}
    if options.inputs_reference:
        obj["offloadedInputs"] = options.inputs_reference
    else:
        obj["inputs"] = jsonpb(inputs or literals_pb2.LiteralMap())
    obj.update(_execution_fields(created, closure, options))
    return obj


def _metadata(
    created: executions_pb2.ExecutionCreated, workflow_id: str, options: HandoffOptions
) -> JsonObject:
    execution = created.execution_id
    labels = {
        "execution-id": execution.name,
        "project": execution.project,
        "domain": execution.domain,
        "workflow-name": sanitize_label_value(_workflow_name(workflow_id)),
        "shard-key": str(fnv1a(execution.name.encode()) % SHARD_KEYSPACE),
    }
    # The execution's labels win over the builder's, as in flyteadmin's addMapValues.
    labels.update(created.spec.labels.values)
    annotations = dict(created.spec.annotations.values)
    role = created.spec.security_context.run_as.iam_role
    if role and options.role_annotation_key:
        annotations[options.role_annotation_key] = role
    metadata: JsonObject = {
        "name": execution.name,
        "namespace": options.namespace,
        "labels": labels,
        "finalizers": [FINALIZER],
    }
    if annotations:
        metadata["annotations"] = annotations
    return metadata


def _workflow_name(workflow_id: str) -> str:
    """WorkflowNameFromID: the name part of ``project:domain:name``; empty if not three."""
    parts = workflow_id.split(":")
    return parts[2] if len(parts) == 3 else ""


def _execution_fields(
    created: executions_pb2.ExecutionCreated,
    closure: compiler_pb2.CompiledWorkflowClosure,
    options: HandoffOptions,
) -> JsonObject:
    spec = created.spec
    interruptible = closure.primary.template.metadata_defaults.interruptible
    fields: JsonObject = {
        "executionId": go_struct(created.execution_id),
        "node-defaults": {"interruptible": True} if interruptible else {},
    }
    if created.HasField("accepted_at"):
        # metav1.Time: RFC 3339 in UTC, whole seconds.
        fields["acceptedAt"] = created.accepted_at.ToDatetime().strftime("%Y-%m-%dT%H:%M:%SZ")
    has_run_as = spec.HasField("security_context") and spec.security_context.HasField("run_as")
    if has_run_as and spec.security_context.run_as.k8s_service_account:
        fields["serviceAccountName"] = spec.security_context.run_as.k8s_service_account
    fields["securityContext"] = go_struct(spec.security_context) if has_run_as else {}
    fields["rawOutputDataConfig"] = (
        go_struct(spec.raw_output_data_config) if spec.HasField("raw_output_data_config") else {}
    )
    fields["executionConfig"] = _execution_config(created, options.task_resources)
    if options.console_url:
        fields["consoleUrl"] = options.console_url
    return fields


def _execution_config(
    created: executions_pb2.ExecutionCreated, resources: TaskResources
) -> JsonObject:
    # ExecutionConfig has no JSON tags: Go writes its field names.
    spec = created.spec
    recovery = go_struct(created.recovery_source) if created.HasField("recovery_source") else {}
    envs = {pair.key: pair.value for pair in spec.envs.values} if spec.HasField("envs") else None
    return {
        "TaskPluginImpls": {},
        "MaxParallelism": spec.max_parallelism,
        "RecoveryExecution": recovery,
        "TaskResources": {
            "Requests": _task_resource_spec(resources.requests),
            "Limits": _task_resource_spec(resources.limits),
        },
        "Interruptible": spec.interruptible.value if spec.HasField("interruptible") else None,
        "OverwriteCache": spec.overwrite_cache,
        "EnvironmentVariables": envs,
    }


def _task_resource_spec(values: Mapping[str, str]) -> dict[str, Any]:
    """A TaskResourceSpec: every field a quantity, ``"0"`` where unset or zero."""
    spec = {name: "0" for name in ("CPU", "Memory", "EphemeralStorage", "Storage", "GPU")}
    for name, value in values.items():
        field_name = _TASK_RESOURCE_FIELDS.get(name.lower())
        if field_name is None:
            raise FlyteWorkflowBuildError(f"unknown platform task resource {name!r}")
        if field_name in _COPIED_TASK_RESOURCES and quantities.parse(value) != 0:
            spec[field_name] = value
    return spec

"""CreateExecution's pure steps besides inputs and names (admin.md §3.1 steps 0, 1, 7, 9, 14;
§6.3): request checks, the execution config a launch resolves, and the record that is stored."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flyteidl.admin import execution_pb2, launch_plan_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from flightdeck_admin.domain.attributes import (
    ExecutionConfigLayer,
    WorkflowExecutionConfig,
    first_set_wins,
)
from flightdeck_admin.domain.errors import (
    EntityAlreadyExists,
    EntityNotFound,
    InvalidField,
    MissingField,
)
from flightdeck_admin.domain.executions import validate_name
from flightdeck_admin.domain.identifiers import type_name
from flightdeck_platform import faults
from flightdeck_typecheck import compact_text

EXECUTION_CREATED = "ExecutionCreated"
_ID_PARTS = ("project", "domain", "name", "version")


class SingleTaskLaunchUnsupported(faults.Unimplemented):
    """Launching a task directly (admin.md §3.2) is not built yet."""


@dataclass(frozen=True)
class OutboxMessage:
    """A message owed to the executors, written in the same document as the execution so that
    the record and the message never diverge; a publisher drains it later."""

    kind: str
    execution_id: identifier_pb2.WorkflowExecutionIdentifier
    inputs_uri: str


@dataclass(frozen=True)
class ExecutionRecord:
    """An execution as admin keeps it: the wire message plus what lives beside it."""

    execution: execution_pb2.Execution
    inputs_uri: str = ""
    user_inputs_uri: str = ""
    pending_messages: tuple[OutboxMessage, ...] = field(default=())


def execution_not_found(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> EntityNotFound:
    return EntityNotFound(
        f"missing entity of type execution with identifier {compact_text(execution_id)}"
    )


def execution_exists(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
) -> EntityAlreadyExists:
    return EntityAlreadyExists(
        f"value with matching already exists (execution {compact_text(execution_id)})"
    )


def user_inputs(request: execution_pb2.ExecutionCreateRequest) -> literals_pb2.LiteralMap:
    """Step 0: ``spec.inputs`` is the legacy location, used when ``inputs`` is empty."""
    return request.inputs if request.inputs.literals else request.spec.inputs


def validate_create(request: execution_pb2.ExecutionCreateRequest) -> None:
    """Step 1, shape checks in the reference's order (the project gate follows)."""
    if not request.project:
        raise MissingField("project")
    if not request.domain:
        raise MissingField("domain")
    if request.name:
        validate_name(request.name)
    if not request.HasField("spec"):
        raise MissingField("spec")
    _validate_launch_entity(request.spec.launch_plan)
    _validate_literals(user_inputs(request))


def require_execution_id(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> None:
    for part in ("project", "domain", "name"):
        if not getattr(execution_id, part):
            raise MissingField(part)


def _validate_launch_entity(entity: identifier_pb2.Identifier) -> None:
    for part in _ID_PARTS:
        if not getattr(entity, part):
            raise MissingField(f"launch_plan.{part}")
    if entity.resource_type == identifier_pb2.TASK:
        raise SingleTaskLaunchUnsupported("launching a single task is not supported yet")
    if entity.resource_type != identifier_pb2.LAUNCH_PLAN:
        raise InvalidField(
            "launch_plan.resource_type",
            f"{type_name(entity.resource_type)} cannot be launched; expected LAUNCH_PLAN or TASK",
        )


def _validate_literals(inputs: literals_pb2.LiteralMap) -> None:
    for name, literal in inputs.literals.items():
        if not name:
            raise InvalidField("inputs", "an input has an empty name")
        if literal.WhichOneof("value") is None:
            raise InvalidField("inputs", f"input {name} has no value")


def resolve_config(
    layers: Sequence[ExecutionConfigLayer],
    legacy_auth: Sequence[execution_pb2.ExecutionSpec | launch_plan_pb2.LaunchPlanSpec],
) -> WorkflowExecutionConfig:
    """§6.3: first set value wins over the layers; the legacy auth role fills an unnamed
    run_as; afterwards run_as always exists."""
    config = first_set_wins(layers)
    run_as = config.security_context.run_as
    if not (run_as.k8s_service_account or run_as.iam_role or run_as.execution_identity):
        for spec in legacy_auth:
            role = spec.auth_role
            if role.assumable_iam_role or role.kubernetes_service_account:
                run_as.iam_role = role.assumable_iam_role
                run_as.k8s_service_account = role.kubernetes_service_account
                break
    config.security_context.run_as.SetInParent()
    return config


def stored_spec(
    request: execution_pb2.ExecutionCreateRequest,
    launch_plan: launch_plan_pb2.LaunchPlan,
    config: WorkflowExecutionConfig,
    namespace: str,
) -> execution_pb2.ExecutionSpec:
    """Step 14's spec: the request's, carrying the resolved config; inputs live in blobs."""
    spec = execution_pb2.ExecutionSpec()
    spec.CopyFrom(request.spec)
    spec.ClearField("inputs")
    spec.metadata.system_metadata.namespace = namespace
    spec.security_context.CopyFrom(config.security_context)
    spec.max_parallelism = config.max_parallelism
    spec.raw_output_data_config.CopyFrom(config.raw_output_data_config)
    spec.labels.CopyFrom(config.labels if config.labels.values else launch_plan.spec.labels)
    annotations = config.annotations
    spec.annotations.CopyFrom(annotations if annotations.values else launch_plan.spec.annotations)
    if config.HasField("interruptible"):
        spec.interruptible.CopyFrom(config.interruptible)
    spec.overwrite_cache = config.overwrite_cache
    spec.envs.CopyFrom(config.envs)
    if not request.spec.notifications.notifications and not request.spec.disable_all:
        notifications = launch_plan.spec.entity_metadata.notifications
        spec.notifications.notifications.extend(notifications)
    return spec


def new_execution(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    spec: execution_pb2.ExecutionSpec,
    workflow_id: identifier_pb2.Identifier,
    now: datetime,
) -> execution_pb2.Execution:
    """Step 14's closure: phase UNDEFINED, timestamps, workflow id, ACTIVE state change."""
    execution = execution_pb2.Execution(id=execution_id, spec=spec)
    closure = execution.closure
    closure.phase = core_execution_pb2.WorkflowExecution.UNDEFINED
    closure.created_at.FromDatetime(now)
    closure.updated_at.FromDatetime(now)
    closure.workflow_id.CopyFrom(workflow_id)
    closure.notifications.extend(spec.notifications.notifications)
    change = closure.state_change_details
    change.state = execution_pb2.EXECUTION_ACTIVE
    change.principal = spec.metadata.principal
    change.occurred_at.FromDatetime(now)
    return execution

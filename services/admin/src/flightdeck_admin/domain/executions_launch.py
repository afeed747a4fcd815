"""CreateExecution's pure steps besides inputs and names (admin.md §3.1 steps 0, 1, 7, 9 to 12,
14; §6.3): request checks, the execution config a launch resolves, and the record that is stored."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeAlias

from flyteidl.admin import cluster_assignment_pb2, execution_pb2, launch_plan_pb2
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
from flightdeck_admin.domain.launch_plans import validate_notifications
from flightdeck_admin.domain.outbox import OutboxMessage
from flightdeck_admin.domain.projects import validate_labels
from flightdeck_typecheck import compact_text

_ID_PARTS = ("project", "domain", "name", "version")
LegacyAuth: TypeAlias = execution_pb2.ExecutionSpec | launch_plan_pb2.LaunchPlanSpec


@dataclass(frozen=True)
class ExecutionRecord:
    """An execution as admin keeps it: the wire message plus what lives beside it."""

    execution: execution_pb2.Execution
    inputs_uri: str = ""
    user_inputs_uri: str = ""
    pending_messages: tuple[OutboxMessage, ...] = field(default=())
    parked_messages: tuple[OutboxMessage, ...] = field(default=())
    """Messages the relay gave up on (``OutboxMessage.parked_at``), kept with their error."""


@dataclass(frozen=True)
class ParentExecution:
    """What a child execution inherits from the execution that launched it (step 7)."""

    principal: str
    nesting: int
    cluster_label: str


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
    validate_notifications(request.spec.notifications.notifications)
    validate_labels(dict(request.spec.labels.values), "labels")


def require_execution_id(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> None:
    for part in ("project", "domain", "name"):
        if not getattr(execution_id, part):
            raise MissingField(part)


def _validate_launch_entity(entity: identifier_pb2.Identifier) -> None:
    for part in _ID_PARTS:
        if not getattr(entity, part):
            raise MissingField(f"launch_plan.{part}")
    if entity.resource_type not in (identifier_pb2.LAUNCH_PLAN, identifier_pb2.TASK):
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
    legacy_auth: Sequence[LegacyAuth],
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


@dataclass(frozen=True)
class LaunchSource:
    """The launch plan's contributions to the stored spec; a single-task launch has none."""

    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    notifications: Sequence[object]
    single_task: bool = False

    @staticmethod
    def of(launch_plan: launch_plan_pb2.LaunchPlan, single_task: bool) -> LaunchSource:
        if single_task:
            return LaunchSource({}, {}, (), single_task=True)
        spec = launch_plan.spec
        return LaunchSource(
            dict(spec.labels.values),
            dict(spec.annotations.values),
            tuple(spec.entity_metadata.notifications),
        )


def stored_spec(
    request: execution_pb2.ExecutionCreateRequest,
    config: WorkflowExecutionConfig,
    namespace: str,
    single_task: bool,
    principal: str = "",
) -> execution_pb2.ExecutionSpec:
    """Step 14's spec: what the request held, plus the reference's additions (principal,
    namespace, resolved security context, max parallelism); inputs live in blobs. Labels,
    annotations, notifications and the rest of the resolved config are the executor's
    (``executor_spec``), so a request without them stores them unset, as flyteadmin does."""
    spec = execution_pb2.ExecutionSpec()
    spec.CopyFrom(request.spec)
    spec.ClearField("inputs")
    spec.metadata.principal = principal  # the authenticated caller; nobody without auth
    spec.metadata.system_metadata.namespace = namespace
    spec.security_context.CopyFrom(config.security_context)
    spec.max_parallelism = 0 if single_task else config.max_parallelism
    return spec


def executor_spec(
    stored: execution_pb2.ExecutionSpec,
    source: LaunchSource,
    config: WorkflowExecutionConfig,
    project_labels: Mapping[str, str],
) -> execution_pb2.ExecutionSpec:
    """Steps 9 and 11: the spec handed to the executor, the stored one with the resolved
    config, the launch plan's labels, annotations and notifications, and the project's labels
    for the keys the execution does not set."""
    spec = execution_pb2.ExecutionSpec()
    spec.CopyFrom(stored)
    spec.raw_output_data_config.CopyFrom(config.raw_output_data_config)
    _replace_map(spec.labels.values, config.labels.values or source.labels)
    for key, value in project_labels.items():
        spec.labels.values.setdefault(key, value)
    _replace_map(spec.annotations.values, config.annotations.values or source.annotations)
    if config.HasField("interruptible"):
        spec.interruptible.CopyFrom(config.interruptible)
    spec.overwrite_cache = config.overwrite_cache
    spec.envs.CopyFrom(config.envs)
    chosen = notifications(stored, source)
    # The stored spec already holds the request's rules: replace them, never append.
    del spec.notifications.notifications[:]
    spec.notifications.notifications.extend(chosen)  # type: ignore[arg-type]
    return spec


def notifications(requested: execution_pb2.ExecutionSpec, source: LaunchSource) -> Sequence[object]:
    """Step 11: the request's list if non-empty; none with ``disable_all``; else the launch
    plan's. Recorded in the closure and handed to the executor, not stored in the spec."""
    if requested.notifications.notifications or requested.disable_all:
        return tuple(requested.notifications.notifications)
    return source.notifications


def _replace_map(target: object, values: Mapping[str, str]) -> None:
    target.clear()  # type: ignore[attr-defined]
    target.update(values)  # type: ignore[attr-defined]


def inherit(spec: execution_pb2.ExecutionSpec, parent: ParentExecution, max_nesting: int) -> None:
    """Step 7: a child runs as its parent's user, one level deeper, on its cluster label.
    Beyond ``max_nesting`` levels it is refused: a launch plan that launches itself would
    otherwise nest without end (the reference has no such bound)."""
    nesting = parent.nesting + 1
    if nesting > max_nesting:
        raise InvalidField(
            "spec.metadata.nesting",
            f"a child execution at nesting level {nesting} exceeds the maximum of {max_nesting}",
        )
    spec.metadata.principal = parent.principal
    spec.metadata.nesting = nesting
    if parent.cluster_label and not spec.execution_cluster_label.value:
        spec.execution_cluster_label.value = parent.cluster_label


def parent_of(parent: execution_pb2.Execution) -> ParentExecution:
    metadata = parent.spec.metadata
    return ParentExecution(
        metadata.principal, metadata.nesting, parent.spec.execution_cluster_label.value
    )


def cluster_assignment(
    requested: cluster_assignment_pb2.ClusterAssignment,
    stored: cluster_assignment_pb2.ClusterAssignment | None,
) -> cluster_assignment_pb2.ClusterAssignment:
    """Step 10: the stored CLUSTER_ASSIGNMENT wins; a request naming another pool is refused."""
    if stored is None or not stored.cluster_pool_name:
        return requested
    if requested.cluster_pool_name and requested.cluster_pool_name != stored.cluster_pool_name:
        raise InvalidField(
            "cluster_assignment",
            f"execution with project-domain cluster pool {stored.cluster_pool_name!r} cannot "
            f"run on pool {requested.cluster_pool_name!r}",
        )
    return stored


class ConcurrencyLimitReached(EntityAlreadyExists):
    """Step 12: SKIP policy with as many QUEUED or RUNNING executions as allowed."""


def check_concurrency(policy: launch_plan_pb2.ConcurrencyPolicy, running: int) -> None:
    if (
        policy.max
        and running >= policy.max
        and policy.behavior == launch_plan_pb2.CONCURRENCY_LIMIT_BEHAVIOR_SKIP
    ):
        raise ConcurrencyLimitReached(
            f"concurrency limit ({policy.max}) reached for launch plan; execution skipped"
        )


def new_execution(
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    spec: execution_pb2.ExecutionSpec,
    workflow_id: identifier_pb2.Identifier,
    now: datetime,
    notified: Sequence[object] = (),
) -> execution_pb2.Execution:
    """Step 14's closure: phase UNDEFINED, timestamps, workflow id, the notifications step 11
    chose, ACTIVE state change."""
    execution = execution_pb2.Execution(id=execution_id, spec=spec)
    closure = execution.closure
    closure.phase = core_execution_pb2.WorkflowExecution.UNDEFINED
    closure.created_at.FromDatetime(now)
    closure.updated_at.FromDatetime(now)
    closure.workflow_id.CopyFrom(workflow_id)
    closure.notifications.extend(notified)  # type: ignore[arg-type]
    change = closure.state_change_details
    change.state = execution_pb2.EXECUTION_ACTIVE
    change.principal = spec.metadata.principal
    change.occurred_at.FromDatetime(now)
    return execution

"""Matchable attributes: which record applies where (admin.md §6.2), and how a launch assembles
its WorkflowExecutionConfig from several layers (admin.md §6.3).

A record is keyed by (resource type, project, domain, workflow, launch plan); an empty part means
"any". The more parts a record names, the higher its priority, and a lookup takes the
highest-priority record whose every part is empty or equal to the requested one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeAlias

from flyteidl.admin import matchable_resource_pb2

from flightdeck_admin.domain.errors import EntityNotFound, MissingField
from flightdeck_platform import faults

MatchableResource = matchable_resource_pb2.MatchableResource
MatchingAttributes: TypeAlias = matchable_resource_pb2.MatchingAttributes
WorkflowExecutionConfig: TypeAlias = matchable_resource_pb2.WorkflowExecutionConfig

PROJECT_PRIORITY = 5
PROJECT_DOMAIN_PRIORITY = 10
WORKFLOW_PRIORITY = 100
LAUNCH_PLAN_PRIORITY = 1000

RESOURCE_TYPE_OF_TARGET: dict[str, int] = {
    "task_resource_attributes": MatchableResource.TASK_RESOURCE,
    "cluster_resource_attributes": MatchableResource.CLUSTER_RESOURCE,
    "execution_queue_attributes": MatchableResource.EXECUTION_QUEUE,
    "execution_cluster_label": MatchableResource.EXECUTION_CLUSTER_LABEL,
    "plugin_overrides": MatchableResource.PLUGIN_OVERRIDE,
    "workflow_execution_config": MatchableResource.WORKFLOW_EXECUTION_CONFIG,
    "cluster_assignment": MatchableResource.CLUSTER_ASSIGNMENT,
}
"""The ``MatchingAttributes.target`` members that can be stored; quality_of_service cannot."""


AttributesChange = Callable[[MatchingAttributes | None], MatchingAttributes]
"""What an update does to the value stored at a key (None when nothing is stored yet)."""


class UnrecognizedMatchingAttributes(faults.InvalidArgument):
    pass


class AttributeUpdateContended(faults.Aborted):
    """Concurrent writers kept changing the record; the caller may retry."""


def resource_type_name(resource_type: int) -> str:
    """The enum name, or the bare number for a value this flyteidl does not know."""
    if resource_type in MatchableResource.values():
        return str(MatchableResource.Name(resource_type))
    return str(resource_type)


@dataclass(frozen=True)
class AttributeKey:
    resource_type: int
    project: str
    domain: str = ""
    workflow: str = ""
    launch_plan: str = ""

    @property
    def priority(self) -> int:
        if self.launch_plan:
            return LAUNCH_PLAN_PRIORITY
        if self.workflow:
            return WORKFLOW_PRIORITY
        if self.domain:
            return PROJECT_DOMAIN_PRIORITY
        return PROJECT_PRIORITY

    def scope(self) -> tuple[str, str, str, str]:
        return (self.project, self.domain, self.workflow, self.launch_plan)

    def covers(self, query: AttributeKey) -> bool:
        """True when this record applies to ``query``: each part empty or equal."""
        return self.resource_type == query.resource_type and all(
            part in ("", wanted) for part, wanted in zip(self.scope(), query.scope(), strict=True)
        )

    def describe(self) -> str:
        """Rendered as the reference renders its resource id in messages."""
        return (
            f"{{Project:{self.project} Domain:{self.domain} Workflow:{self.workflow} "
            f"LaunchPlan:{self.launch_plan} ResourceType:{resource_type_name(self.resource_type)}}}"
        )


@dataclass(frozen=True)
class MatchableRecord:
    key: AttributeKey
    attributes: MatchingAttributes

    @property
    def priority(self) -> int:
        return self.key.priority


def not_found(key: AttributeKey) -> EntityNotFound:
    return EntityNotFound(f"Resource [{key.describe()}] not found")


def resource_type_of(attributes: MatchingAttributes, request_id: str) -> int:
    """The type an update writes is whichever member of the oneof is set."""
    target = attributes.WhichOneof("target")
    if target not in RESOURCE_TYPE_OF_TARGET:
        raise UnrecognizedMatchingAttributes(
            f"Unrecognized matching attributes type for request {request_id}"
        )
    return RESOURCE_TYPE_OF_TARGET[target]


def record_of(
    matching: MatchingAttributes | None, project: str, domain: str = "", workflow: str = ""
) -> MatchableRecord:
    """The record an update at this scope writes, typed by its attributes."""
    if matching is None:
        raise MissingField("matching_attributes")
    request_id = "-".join(part for part in (project, domain, workflow) if part)
    resource_type = resource_type_of(matching, request_id)
    return MatchableRecord(AttributeKey(resource_type, project, domain, workflow), matching)


def _precedence(record: MatchableRecord) -> tuple[int, int, tuple[str, str, str, str]]:
    named_parts = sum(1 for part in record.key.scope() if part)
    return (record.priority, named_parts, record.key.scope())


def select(candidates: Iterable[MatchableRecord], query: AttributeKey) -> MatchableRecord:
    """The record that applies to ``query``: the highest priority among those that cover it.
    Ties, which no API write can create, go to the record naming more parts."""
    applicable = [record for record in candidates if record.key.covers(query)]
    if not applicable:
        raise not_found(query)
    return max(applicable, key=_precedence)


def resolve(candidates: Iterable[MatchableRecord], query: AttributeKey) -> MatchingAttributes:
    return select(candidates, query).attributes


def listing_order(records: Iterable[MatchableRecord]) -> list[MatchableRecord]:
    """Priority descending; equal priorities by key so that pages are stable."""
    return sorted(records, key=lambda record: (-record.priority, record.key.scope()))


def merge_plugin_overrides(
    existing: MatchingAttributes, incoming: MatchingAttributes
) -> MatchingAttributes:
    """Overrides keyed by task type: incoming ones replace existing ones of the same type in
    place, new types are appended in request order."""
    by_task_type: dict[str, matchable_resource_pb2.PluginOverride] = {}
    for override in [*existing.plugin_overrides.overrides, *incoming.plugin_overrides.overrides]:
        by_task_type[override.task_type] = override
    merged = MatchingAttributes()
    merged.plugin_overrides.overrides.extend(by_task_type.values())
    return merged


def updated(
    existing: MatchingAttributes | None, incoming: MatchingAttributes
) -> MatchingAttributes:
    """What an update leaves stored: the whole value replaced, except plugin overrides, which
    merge with those already stored at the same key."""
    if existing is None or incoming.WhichOneof("target") != "plugin_overrides":
        return incoming
    return merge_plugin_overrides(existing, incoming)


class ExecutionConfigLayer(Protocol):
    """Any message with WorkflowExecutionConfig's fields: an ExecutionSpec, a LaunchPlanSpec or
    a WorkflowExecutionConfig."""

    max_parallelism: int
    security_context: Any
    raw_output_data_config: Any
    labels: Any
    annotations: Any
    interruptible: Any
    overwrite_cache: bool
    envs: Any
    execution_env_assignments: Any

    def HasField(self, field_name: str) -> bool: ...


def _run_as_named(source: ExecutionConfigLayer) -> bool:
    if not source.HasField("security_context") or not source.security_context.HasField("run_as"):
        return False
    run_as = source.security_context.run_as
    return bool(run_as.k8s_service_account or run_as.iam_role or run_as.execution_identity)


def _prefix_named(config: ExecutionConfigLayer) -> bool:
    return bool(config.raw_output_data_config.output_location_prefix)


def _values_named(config: ExecutionConfigLayer, field: str) -> bool:
    return len(getattr(config, field).values) > 0


def fill_unset(
    target: WorkflowExecutionConfig, source: ExecutionConfigLayer
) -> WorkflowExecutionConfig:
    """A copy of ``target`` whose unset fields take ``source``'s set ones (admin.md §6.3).

    On the ``target`` side only absence or emptiness counts as unset, as in the reference: a
    present security context is kept even when it names nobody."""
    result = WorkflowExecutionConfig()
    result.CopyFrom(target)
    if result.max_parallelism == 0 and source.max_parallelism > 0:
        result.max_parallelism = source.max_parallelism
    if not result.HasField("security_context") and _run_as_named(source):
        result.security_context.CopyFrom(source.security_context)
    if not _prefix_named(result) and _prefix_named(source):
        result.raw_output_data_config.CopyFrom(source.raw_output_data_config)
    for field in ("labels", "annotations", "envs"):
        if not _values_named(result, field) and _values_named(source, field):
            getattr(result, field).CopyFrom(getattr(source, field))
    if not result.HasField("interruptible") and source.HasField("interruptible"):
        result.interruptible.CopyFrom(source.interruptible)
    if not result.overwrite_cache and source.overwrite_cache:
        result.overwrite_cache = True
    if not result.execution_env_assignments and source.execution_env_assignments:
        result.execution_env_assignments.extend(source.execution_env_assignments)
    return result


def first_set_wins(layers: Sequence[ExecutionConfigLayer]) -> WorkflowExecutionConfig:
    """Field by field, the first layer (most specific first) that sets it decides.

    "Set" means: max_parallelism > 0; a security context whose run_as names a service account,
    IAM role or execution identity; a non-empty raw output prefix; non-empty labels,
    annotations, envs or execution env assignments; an interruptible wrapper present;
    overwrite_cache true."""
    config = WorkflowExecutionConfig()
    for layer in layers:
        config = fill_unset(config, layer)
    return config

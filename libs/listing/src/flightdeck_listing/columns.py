"""The reference's filterable columns per entity (its SQL column names), with the document field
each maps to in flightdeck's collections. Document fields equal the column names, except the
workflow columns a launch plan document carries denormalized (``workflow_name``...), since
FerretDB has no ``$lookup`` to join them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from flyteidl.core import execution_pb2 as core_execution_pb2
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from .schema import (
    Column,
    columns,
    duration,
    enum_name,
    integer,
    string,
    timestamp,
    unstored,
)

_BASE = (
    unstored("id"),  # the SQL surrogate key; documents have none
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),  # never set: nothing is soft-deleted
)
_IDENTITY = (string("project"), string("domain"), string("name"), string("version"))

TASK = columns(
    *_BASE,
    *_IDENTITY,
    unstored("closure"),
    unstored("digest"),
    string("type"),
    string("short_description"),
)

WORKFLOW = columns(
    *_BASE,
    *_IDENTITY,
    unstored("typed_interface"),
    unstored("remote_closure_identifier"),
    unstored("digest"),
    string("short_description"),
)

LAUNCH_PLAN = columns(
    *_BASE,
    *_IDENTITY,
    unstored("spec"),
    unstored("workflow_id"),  # a SQL foreign key; filter on workflow.<column> instead
    unstored("closure"),
    integer("state", default=0),
    unstored("digest"),
    string("schedule_type"),
    string("launch_condition_type"),
)


def _launch_plan_workflow() -> Mapping[str, Column]:
    """The launched workflow's columns, as a launch plan document carries them."""
    denormalized = {name: f"workflow_{name}" for name in ("project", "domain", "name", "version")}
    return {
        name: string(name, denormalized[name]) if name in denormalized else unstored(name)
        for name in WORKFLOW
    }


LAUNCH_PLAN_WORKFLOW = _launch_plan_workflow()

NAMED_ENTITY = columns(
    integer("resource_type"),
    string("project"),
    string("domain"),
    string("name"),
    string("description"),
    integer("state", default=0),  # no metadata yet counts as NAMED_ENTITY_ACTIVE
)

NAMED_ENTITY_METADATA = columns(
    unstored("id"),
    unstored("created_at"),
    unstored("updated_at"),
    unstored("deleted_at"),
    *NAMED_ENTITY.values(),
)

PROJECT = columns(
    *_BASE,
    string("identifier"),
    string("name"),
    string("description"),
    unstored("labels"),
    integer("state", default=0),
)

DESCRIPTION_ENTITY = columns(
    integer("resource_type"),
    *_IDENTITY,
    *_BASE,
    string("short_description"),
    unstored("long_description"),
    string("link"),
)


def description_filter_columns(entity: Mapping[str, Column]) -> Mapping[str, Column]:
    """The reference checks description-entity filters against the *task* (or workflow)
    columns, then runs them on the description table; columns that table lacks are unstored
    here, so they fail as invalid filters rather than in the database."""
    return {name: DESCRIPTION_ENTITY.get(name) or unstored(name) for name in entity}


def _phase_names(phase_enum: EnumTypeWrapper) -> frozenset[str]:
    return frozenset(phase_enum.keys())


NODE_PHASES = _phase_names(core_execution_pb2.NodeExecution.Phase)
TASK_PHASES = _phase_names(core_execution_pb2.TaskExecution.Phase)

_EXECUTION_IDENTITY = (
    string("execution_project"),
    string("execution_domain"),
    string("execution_name"),
)

NODE_EXECUTION = columns(
    *_BASE,
    *_EXECUTION_IDENTITY,
    string("node_id"),
    enum_name("phase", NODE_PHASES),
    unstored("input_uri"),
    unstored("closure"),
    timestamp("started_at"),
    timestamp("node_execution_created_at"),
    timestamp("node_execution_updated_at"),
    duration("duration"),
    unstored("node_execution_metadata"),
    string("parent_id"),
    unstored("parent_task_execution_id"),  # a SQL foreign key; ListNodeExecutionsForTask uses it
    string("error_kind"),
    string("error_code"),
    string("cache_status"),
    unstored("dynamic_workflow_remote_closure_reference"),
    unstored("internal_data"),
)


def _task_execution(*, rewritten: bool) -> Mapping[str, Column]:
    """The reference checks filter columns before rewriting ``project``/``domain``/``name`` of
    the task execution entity to the execution's columns, so those three filter the execution
    (a quirk kept); sort keys are not rewritten and name the task's own columns."""
    identity = {name: f"execution_{name}" if rewritten else name for name in _IDENTITY_NAMES}
    return columns(
        *_BASE,
        *(string(name, field) for name, field in identity.items()),
        string("version"),
        *_EXECUTION_IDENTITY,
        string("node_id"),
        integer("retry_attempt"),
        enum_name("phase", TASK_PHASES),
        integer("phase_version"),
        unstored("input_uri"),
        unstored("closure"),
        timestamp("started_at"),
        timestamp("task_execution_created_at"),
        timestamp("task_execution_updated_at"),
        duration("duration"),
    )


_IDENTITY_NAMES = ("project", "domain", "name")
TASK_EXECUTION = _task_execution(rewritten=True)
TASK_EXECUTION_SORTS = _task_execution(rewritten=False)


def _joined(entity: Mapping[str, Column], stored: Mapping[str, str]) -> Mapping[str, Column]:
    """Another entity's columns as the listed documents carry them: ``stored`` maps the columns
    they hold to their fields; every other column is known but cannot be filtered (flightdeck
    has no SQL join)."""
    return {
        name: replace(column, field=stored[name]) if name in stored else unstored(name)
        for name, column in entity.items()
    }


_EXECUTION_IDENTITY_FIELDS = {c.name: c.name for c in _EXECUTION_IDENTITY}
_EXECUTION_COLUMN_NAMES = (
    *(c.name for c in _BASE),
    *_EXECUTION_IDENTITY_FIELDS,
    "launch_plan_id",
    "workflow_id",
    "task_id",
    "phase",
    "closure",
    "spec",
    "started_at",
    "execution_created_at",
    "execution_updated_at",
    "duration",
    "abort_cause",
    "mode",
    "source_execution_id",
    "parent_node_execution_id",
    "cluster",
    "inputs_uri",
    "user_inputs_uri",
    "error_kind",
    "error_code",
    "user",
    "state",
    "launch_entity",
)

EXECUTION_OF_RECORD = _joined(
    {name: unstored(name) for name in _EXECUTION_COLUMN_NAMES}, _EXECUTION_IDENTITY_FIELDS
)
"""The execution columns node and task execution documents can answer: its identity."""

NODE_EXECUTION_OF_TASK = _joined(
    NODE_EXECUTION, {**_EXECUTION_IDENTITY_FIELDS, "node_id": "node_id"}
)
TASK_OF_TASK_EXECUTION = _joined(
    TASK, {name: name for name in ("project", "domain", "name", "version")}
)


def _denormalized(entity: Mapping[str, Column], prefix: str) -> Mapping[str, Column]:
    """Another entity's identity columns as an execution document carries them
    (``launch_plan_name``...); its other columns are unstored."""
    stored = ("project", "domain", "name", "version")
    return {
        name: string(name, f"{prefix}_{name}") if name in stored else unstored(name)
        for name in entity
    }


_WORKFLOW_PHASES = frozenset(
    (
        "UNDEFINED",
        "QUEUED",
        "RUNNING",
        "SUCCEEDING",
        "SUCCEEDED",
        "FAILING",
        "FAILED",
        "ABORTED",
        "TIMED_OUT",
        "ABORTING",
    )
)

EXECUTION = columns(
    unstored("id"),
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),  # never set: nothing is soft-deleted
    string("execution_project", "project"),
    string("execution_domain", "domain"),
    string("execution_name", "name"),
    unstored("launch_plan_id"),  # SQL foreign keys: filter on launch_plan.<column> instead
    unstored("workflow_id"),
    unstored("task_id"),
    enum_name("phase", _WORKFLOW_PHASES),
    unstored("closure"),
    unstored("spec"),
    timestamp("started_at"),
    timestamp("execution_created_at"),
    timestamp("execution_updated_at"),
    duration("duration"),
    string("abort_cause"),
    integer("mode"),
    unstored("source_execution_id"),
    unstored("parent_node_execution_id"),
    string("cluster"),
    string("inputs_uri"),
    string("user_inputs_uri"),
    string("error_kind"),
    string("error_code"),
    string("user"),
    integer("state", default=0),
    string("launch_entity"),
)

EXECUTION_LAUNCH_PLAN = _denormalized(LAUNCH_PLAN, "launch_plan")
EXECUTION_WORKFLOW = _denormalized(WORKFLOW, "workflow")
EXECUTION_TASK = _denormalized(TASK, "task")

EXECUTION_TAG = columns(
    unstored("id"),
    unstored("created_at"),
    unstored("updated_at"),
    unstored("deleted_at"),
    string("execution_project", "project"),
    string("execution_domain", "domain"),
    string("execution_name", "name"),
    string("key", "tags.key"),
    string("value", "tags.value"),
)
"""Tags live in the execution document as ``tags: [{key, value}]``: a tag condition holds when
any one tag satisfies it."""

ADMIN_TAG = columns(
    unstored("id"),
    unstored("created_at"),
    unstored("updated_at"),
    unstored("deleted_at"),
    string("name", "tags.key"),
)

"""One schema per List RPC of AdminService.

Documents each schema assumes (field: kind; ``_id`` any unique, insertion-ordered or not):

* tasks: project, domain, name, version, type, short_description: str; created_at, updated_at
  (deleted_at, never set): date.
* workflows: project, domain, name, version, short_description: str; created_at, updated_at: date.
* launch plans: as tasks minus type/short_description, plus state: int (missing = INACTIVE),
  schedule_type ("NONE"/"CRON"/"RATE"), launch_condition_type, and the launched workflow's
  workflow_project, workflow_domain, workflow_name, workflow_version: str.
* named entities: one document per (resource_type: int, project, domain, name) that has at least
  one version, carrying the metadata description: str and state: int (missing = ACTIVE).
* projects: identifier, name, description: str; state: int (missing = ACTIVE); created_at,
  updated_at: date.
* description entities: resource_type: int, project, domain, name, version, short_description,
  link: str; created_at, updated_at: date.
* the identifier lists group the tasks / workflows / launch plans collections by
  (project, domain, name).
"""

from __future__ import annotations

from dataclasses import replace

from . import columns as c
from .schema import ListingSchema

_PROJECT_DOMAIN = ("project", "domain")
_NEWEST_LAST = ("created_at", True)
_BY_NAME = ("name", True)
_ARCHIVED = 1  # flyteidl.admin.Project.ProjectState.ARCHIVED
_WORKFLOW_TYPE = 2  # flyteidl.core.ResourceType.WORKFLOW

PROJECTS = ListingSchema(
    name="projects",
    operation="ListProjects",
    primary="p",
    entities={"p": c.PROJECT},
    default_sort=("identifier", True),
    default_filters=f"ne(state,{_ARCHIVED})",
    limit_optional=True,
)

TASKS = ListingSchema(
    name="tasks",
    operation="ListTasks",
    primary="t",
    entities={"t": c.TASK},
    default_sort=_NEWEST_LAST,
    scope=_PROJECT_DOMAIN,
)

WORKFLOWS = ListingSchema(
    name="workflows",
    operation="ListWorkflows",
    primary="w",
    entities={"w": c.WORKFLOW},
    default_sort=_NEWEST_LAST,
    scope=_PROJECT_DOMAIN,
)

LAUNCH_PLANS = ListingSchema(
    name="launch_plans",
    operation="ListLaunchPlans",
    primary="l",
    entities={"l": c.LAUNCH_PLAN, "w": c.LAUNCH_PLAN_WORKFLOW},
    default_sort=_NEWEST_LAST,
    scope=_PROJECT_DOMAIN,
)

ACTIVE_LAUNCH_PLANS = replace(
    LAUNCH_PLANS,
    name="active_launch_plans",
    operation="ListActiveLaunchPlans",
    accepts_filters=False,
)

NAMED_ENTITIES = ListingSchema(
    name="named_entities",
    operation="ListNamedEntities",
    primary="nen",
    entities={"nen": c.NAMED_ENTITY, "nem": c.NAMED_ENTITY_METADATA},
    default_sort=_BY_NAME,
    scope=("resource_type", *_PROJECT_DOMAIN),
    default_filters="not_like(name,.flytegen%)",
)

_IDENTIFIERS = ("project", "domain", "name")

TASK_IDS = ListingSchema(
    name="task_ids",
    operation="ListUniqueTaskIdentifiers",
    primary="t",
    entities={"t": c.TASK},
    default_sort=_BY_NAME,
    scope=_PROJECT_DOMAIN,
    accepts_filters=False,
    group_by=_IDENTIFIERS,
    sorts={name: c.TASK[name] for name in _IDENTIFIERS},
)

WORKFLOW_IDS = replace(
    TASK_IDS,
    name="workflow_ids",
    operation="ListWorkflowIdentifiers",
    primary="w",
    entities={"w": c.WORKFLOW},
)

LAUNCH_PLAN_IDS = replace(
    TASK_IDS,
    name="launch_plan_ids",
    operation="",
    primary="l",
    entities={"l": c.LAUNCH_PLAN},
    limit_message="missing and/or invalid parameters: limit",
)

TASK_DESCRIPTION_ENTITIES = ListingSchema(
    name="description_entities",
    operation="ListDescriptionEntities",
    primary="t",
    entities={"t": c.description_filter_columns(c.TASK)},
    default_sort=_NEWEST_LAST,
    scope=(*_PROJECT_DOMAIN, "name"),
    sorts=c.DESCRIPTION_ENTITY,
)

WORKFLOW_DESCRIPTION_ENTITIES = replace(
    TASK_DESCRIPTION_ENTITIES,
    primary="w",
    entities={"w": c.description_filter_columns(c.WORKFLOW)},
)


def description_entities(resource_type: int) -> ListingSchema:
    """Filters name the task or workflow entity, by the request's resource type (unspecified and
    launch plans read as tasks)."""
    if resource_type == _WORKFLOW_TYPE:
        return WORKFLOW_DESCRIPTION_ENTITIES
    return TASK_DESCRIPTION_ENTITIES


# Node and task executions (admin.md §5.5). Documents: flightdeck_records.node_executions and
# .task_executions (written by the events projector; ``created_at`` is the row's insert time).
# The reference lists them in table order; insertion order (created_at, then _id) stands in.
_EXECUTION_SCOPE = ("execution_project", "execution_domain", "execution_name")
_INSERTION_ORDER = ("created_at", True)

NODE_EXECUTIONS = ListingSchema(
    name="node_executions",
    operation="ListNodeExecutions",
    primary="ne",
    entities={"ne": c.NODE_EXECUTION, "e": c.EXECUTION_OF_RECORD},
    default_sort=_INSERTION_ORDER,
    scope=_EXECUTION_SCOPE,
)

NODE_EXECUTIONS_FOR_TASK = replace(
    NODE_EXECUTIONS, name="node_executions_for_task", operation="ListNodeExecutionsForTask"
)

TASK_EXECUTIONS = ListingSchema(
    name="task_executions",
    operation="ListTaskExecutions",
    primary="te",
    entities={
        "te": c.TASK_EXECUTION,
        "t": c.TASK_OF_TASK_EXECUTION,
        "e": c.EXECUTION_OF_RECORD,
        "ne": c.NODE_EXECUTION_OF_TASK,
    },
    default_sort=_INSERTION_ORDER,
    scope=(*_EXECUTION_SCOPE, "node_id"),
    sorts=c.TASK_EXECUTION_SORTS,
)
EXECUTIONS = ListingSchema(
    name="executions",
    operation="ListExecutions",
    primary="e",
    entities={
        "e": c.EXECUTION,
        "l": c.EXECUTION_LAUNCH_PLAN,
        "w": c.EXECUTION_WORKFLOW,
        "t": c.EXECUTION_TASK,
        "at": c.ADMIN_TAG,
        "et": c.EXECUTION_TAG,
    },
    default_sort=_NEWEST_LAST,
    scope=_PROJECT_DOMAIN,
)
"""Documents: the ``executions`` collection (flightdeck_records.executions), carrying the
launch plan's, workflow's and (single-task runs) task's identity as ``<entity>_<column>``, and
tags as ``tags: [{key, value}]``. The state filter every listing adds when the request names
none is the caller's (it applies even with other filters)."""

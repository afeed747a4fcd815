"""The reference's filterable columns per entity (its SQL column names), with the document field
each maps to in flightdeck's collections. Document fields equal the column names, except the
workflow columns a launch plan document carries denormalized (``workflow_name``...), since
FerretDB has no ``$lookup`` to join them.
"""

from __future__ import annotations

from collections.abc import Mapping

from .schema import Column, columns, integer, string, timestamp, unstored

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

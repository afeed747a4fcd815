"""Indexes applied at startup; create_indexes is idempotent, so every replica may run it."""

from __future__ import annotations

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

import flightdeck_listing as listing
from flightdeck_admin.store import attributes as attribute_store
from flightdeck_admin.store import (
    description_entities,
    executions,
    launch_plans,
    named_entities,
    node_executions,
    oauth_grants,
    projects,
    task_executions,
    tasks,
    workflows,
)
from flightdeck_admin.store.listing import index_models, newest_first_index
from flightdeck_admin.store.versioned import UNIQUE_ID_INDEX


def _listed(*schemas: listing.ListingSchema) -> list[IndexModel]:
    """Every filterable and sortable column of these listings backed by an index."""
    return [model for schema in schemas for model in index_models(schema)]


def _versioned(*schemas: listing.ListingSchema) -> list[IndexModel]:
    """The identity, the listings, and the versions of one name newest first (what flytekit
    reads to fetch an entity without a version)."""
    return [UNIQUE_ID_INDEX, *_listed(*schemas), newest_first_index(schemas[0], "name")]


INDEXES: dict[str, list[IndexModel]] = {
    projects.COLLECTION: _listed(listing.PROJECTS),
    tasks.COLLECTION: _versioned(listing.TASKS, listing.TASK_IDS),
    workflows.COLLECTION: _versioned(listing.WORKFLOWS, listing.WORKFLOW_IDS),
    launch_plans.COLLECTION: _versioned(
        listing.LAUNCH_PLANS, listing.LAUNCH_PLAN_IDS, listing.ACTIVE_LAUNCH_PLANS
    ),
    named_entities.COLLECTION: [named_entities.INDEX, *_listed(listing.NAMED_ENTITIES)],
    description_entities.COLLECTION: [
        description_entities.INDEX,
        *_listed(listing.TASK_DESCRIPTION_ENTITIES),
    ],
    attribute_store.COLLECTION: attribute_store.INDEXES,
    executions.COLLECTION: executions.INDEXES,
    executions.OWED_COLLECTION: executions.OWED_INDEXES,
    launch_plans.ACTIVE_COLLECTION: [
        IndexModel(
            [("project", 1), ("domain", 1), ("name", 1)], unique=True, name="launch_plan_name"
        )
    ],
    node_executions.COLLECTION: node_executions.INDEXES,
    task_executions.COLLECTION: task_executions.INDEXES,
    oauth_grants.COLLECTION: oauth_grants.INDEXES,
    oauth_grants.CLAIMS_COLLECTION: oauth_grants.INDEXES,
}


async def apply(database: AsyncDatabase) -> None:
    """One index per command: FerretDB 1.24 drops the connection (a server-side panic) when a
    single createIndexes names several indexes of which some already exist."""
    for collection, models in INDEXES.items():
        seen: set[str] = set()
        for model in models:
            name = model.document["name"]
            if name not in seen:
                seen.add(name)
                await database[collection].create_indexes([model])

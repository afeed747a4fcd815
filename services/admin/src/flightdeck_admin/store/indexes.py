"""Indexes applied at startup; create_indexes is idempotent, so every replica may run it."""

from __future__ import annotations

from pymongo import IndexModel
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_admin.store import attributes as attribute_store
from flightdeck_admin.store import (
    description_entities,
    launch_plans,
    named_entities,
    projects,
    tasks,
    workflows,
)
from flightdeck_admin.store.versioned import UNIQUE_ID_INDEX

INDEXES: dict[str, list[IndexModel]] = {
    projects.COLLECTION: [IndexModel("name"), IndexModel("state"), IndexModel("created_at")],
    tasks.COLLECTION: [UNIQUE_ID_INDEX],
    workflows.COLLECTION: [UNIQUE_ID_INDEX],
    launch_plans.COLLECTION: [UNIQUE_ID_INDEX],
    named_entities.METADATA_COLLECTION: [named_entities.METADATA_INDEX],
    description_entities.COLLECTION: [description_entities.INDEX],
    attribute_store.COLLECTION: attribute_store.INDEXES,
    launch_plans.ACTIVE_COLLECTION: [
        IndexModel(
            [("project", 1), ("domain", 1), ("name", 1)], unique=True, name="launch_plan_name"
        )
    ],
}


async def apply(database: AsyncDatabase) -> None:
    """One index per command: FerretDB 1.24 drops the connection (a server-side panic) when a
    single createIndexes names several indexes of which some already exist."""
    for collection, models in INDEXES.items():
        for model in models:
            await database[collection].create_indexes([model])

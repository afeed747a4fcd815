"""Workflows in MongoDB: the admin ``Workflow`` with its compiled closure as the blob."""

from __future__ import annotations

from flyteidl.admin import workflow_pb2
from pymongo.asynchronous.collection import AsyncCollection

import flightdeck_listing as listing
from flightdeck_admin.domain.identifiers import WORKFLOW
from flightdeck_admin.store.versioned import MongoVersionedStore

COLLECTION = "workflows"


class MongoWorkflowStore(MongoVersionedStore[workflow_pb2.Workflow]):
    def __init__(self, collection: AsyncCollection) -> None:
        super().__init__(
            collection,
            workflow_pb2.Workflow,
            "workflow",
            (listing.WORKFLOWS, listing.WORKFLOW_IDS),
            WORKFLOW,
        )

    async def insert(self, workflow: workflow_pb2.Workflow, digest: str) -> None:
        await self._insert(workflow, digest, short_description=workflow.short_description)

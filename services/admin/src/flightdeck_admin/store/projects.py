"""Projects in MongoDB: one document per project, keyed by its id."""

from __future__ import annotations

from typing import Any

from flyteidl.admin import project_pb2
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError

import flightdeck_listing as listing
from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.store.documents import blob_of, key_value_list, message_from, now
from flightdeck_admin.store.listing import list_request

COLLECTION = "projects"


def _document(project: project_pb2.Project) -> dict[str, Any]:
    stored = project_pb2.Project()
    stored.CopyFrom(project)
    del stored.domains[:]  # domains come from configuration at read time
    return {
        "_id": project.id,
        "identifier": project.id,
        "name": project.name,
        "description": project.description,
        "state": int(project.state),
        "labels": key_value_list(dict(project.labels.values)),
        "blob": blob_of(stored),
    }


class MongoProjectStore:
    def __init__(self, collection: AsyncCollection) -> None:
        self._projects = collection

    async def insert(self, project: project_pb2.Project) -> None:
        moment = now()
        try:
            await self._projects.insert_one(
                {**_document(project), "created_at": moment, "updated_at": moment}
            )
        except DuplicateKeyError as error:
            raise EntityAlreadyExists(f"project [{project.id}] already exists") from error

    async def get(self, project_id: str) -> project_pb2.Project:
        document = await self._projects.find_one({"_id": project_id})
        if document is None:
            raise EntityNotFound(f"project [{project_id}] not found")
        return message_from(document, project_pb2.Project)

    async def replace(self, project: project_pb2.Project) -> None:
        result = await self._projects.update_one(
            {"_id": project.id}, {"$set": {**_document(project), "updated_at": now()}}
        )
        if result.matched_count == 0:
            raise EntityNotFound(f"project [{project.id}] not found")

    async def list_page(
        self, request: project_pb2.ProjectListRequest
    ) -> tuple[list[project_pb2.Project], str]:
        page = await list_request(self._projects, listing.PROJECTS, request)
        return [message_from(d, project_pb2.Project) for d in page.documents], page.token

"""Launch plans in MongoDB, and which version of each name is active.

Activation has no multi-document transaction to lean on (FerretDB has none), so the truth is
one small document per name in ``active_launch_plans``, replaced atomically. Each launch plan
document also carries a ``state`` column for filtering; every activation or deactivation
rewrites those columns from the pointer, so concurrent updates converge on the last pointer.
"""

from __future__ import annotations

from typing import Any

from flyteidl.admin import launch_plan_pb2
from flyteidl.core import identifier_pb2
from pymongo.asynchronous.collection import AsyncCollection

import flightdeck_listing as listing
from flightdeck_admin.domain.errors import EntityNotFound
from flightdeck_admin.domain.identifiers import LAUNCH_PLAN, missing_entity
from flightdeck_admin.store.documents import message_from, now
from flightdeck_admin.store.listing import list_request
from flightdeck_admin.store.versioned import MongoVersionedStore, id_filter

COLLECTION = "launch_plans"
ACTIVE_COLLECTION = "active_launch_plans"
ACTIVE = launch_plan_pb2.ACTIVE
INACTIVE = launch_plan_pb2.INACTIVE


def _name_key(project: str, domain: str, name: str) -> dict[str, str]:
    return {"project": project, "domain": domain, "name": name}


class MongoLaunchPlanStore(MongoVersionedStore[launch_plan_pb2.LaunchPlan]):
    def __init__(self, collection: AsyncCollection, active: AsyncCollection) -> None:
        super().__init__(
            collection,
            launch_plan_pb2.LaunchPlan,
            "launch plan",
            (listing.LAUNCH_PLANS, listing.LAUNCH_PLAN_IDS),
            LAUNCH_PLAN,
        )
        self._active = active

    async def insert(
        self, launch_plan: launch_plan_pb2.LaunchPlan, digest: str, schedule_type: str
    ) -> None:
        workflow = launch_plan.spec.workflow_id
        await self._insert(
            launch_plan,
            digest,
            state=int(launch_plan.closure.state),
            schedule_type=schedule_type,
            workflow_project=workflow.project,
            workflow_domain=workflow.domain,
            workflow_name=workflow.name,
            workflow_version=workflow.version,
        )

    def _from_document(self, document: dict[str, Any]) -> launch_plan_pb2.LaunchPlan:
        return self._with_columns(document)

    async def list_active(
        self, request: launch_plan_pb2.ActiveLaunchPlanListRequest, scope: dict[str, str]
    ) -> tuple[list[launch_plan_pb2.LaunchPlan], str]:
        page = await list_request(
            self._collection,
            listing.ACTIVE_LAUNCH_PLANS,
            request,
            base_filter={**scope, "state": ACTIVE},
        )
        return [self._with_columns(d) for d in page.documents], page.token

    @staticmethod
    def _with_columns(document: dict[str, Any]) -> launch_plan_pb2.LaunchPlan:
        launch_plan = message_from(document, launch_plan_pb2.LaunchPlan)
        launch_plan.closure.state = document["state"]
        launch_plan.closure.updated_at.FromDatetime(document["updated_at"])
        return launch_plan

    async def get(self, launch_plan_id: identifier_pb2.Identifier) -> launch_plan_pb2.LaunchPlan:
        document = await self._collection.find_one(id_filter(launch_plan_id))
        if document is None:
            raise missing_entity(LAUNCH_PLAN, launch_plan_id)
        return self._with_columns(document)

    async def activate(self, launch_plan_id: identifier_pb2.Identifier) -> None:
        key = _name_key(launch_plan_id.project, launch_plan_id.domain, launch_plan_id.name)
        await self._active.update_one(
            key, {"$set": {"version": launch_plan_id.version, "activated_at": now()}}, upsert=True
        )
        await self._converge(key)

    async def deactivate(self, launch_plan_id: identifier_pb2.Identifier) -> None:
        key = _name_key(launch_plan_id.project, launch_plan_id.domain, launch_plan_id.name)
        await self._active.delete_one({**key, "version": launch_plan_id.version})
        await self._converge(key)

    async def _converge(self, key: dict[str, str]) -> None:
        pointer = await self._active.find_one(key)
        active_version = pointer["version"] if pointer else None
        moment = now()
        await self._collection.update_many(
            {**key, "state": ACTIVE, "version": {"$ne": active_version}},
            {"$set": {"state": INACTIVE, "updated_at": moment}},
        )
        if active_version is not None:
            await self._collection.update_one(
                {**key, "version": active_version, "state": {"$ne": ACTIVE}},
                {"$set": {"state": ACTIVE, "updated_at": moment}},
            )

    async def get_active(self, project: str, domain: str, name: str) -> launch_plan_pb2.LaunchPlan:
        pointer = await self._active.find_one(_name_key(project, domain, name))
        if pointer is None:
            raise EntityNotFound(f"No active launch plan could be found: {project}:{domain}:{name}")
        document = await self._collection.find_one(
            {**_name_key(project, domain, name), "version": pointer["version"]}
        )
        if document is None:
            raise EntityNotFound(f"No active launch plan could be found: {project}:{domain}:{name}")
        launch_plan = self._with_columns(document)
        launch_plan.closure.state = ACTIVE
        return launch_plan

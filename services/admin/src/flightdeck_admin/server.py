"""Composition root of the admin service: settings → clients → stores → use cases → APIs → host."""

from __future__ import annotations

from collections.abc import Sequence

from pymongo import AsyncMongoClient

from flightdeck_admin.api.attributes import MatchableAttributesApi
from flightdeck_admin.api.description_entities import DescriptionEntitiesApi
from flightdeck_admin.api.launch_plans import LaunchPlansApi
from flightdeck_admin.api.named_entities import NamedEntitiesApi
from flightdeck_admin.api.projects import ProjectsApi
from flightdeck_admin.api.tasks import TasksApi
from flightdeck_admin.api.version import VersionApi
from flightdeck_admin.api.workflows import WorkflowsApi
from flightdeck_admin.domain import quantities
from flightdeck_admin.domain.build import ControlPlaneVersion
from flightdeck_admin.domain.compiler import compile_task
from flightdeck_admin.service.attributes import MatchableAttributes
from flightdeck_admin.service.description_entities import DescriptionEntities
from flightdeck_admin.service.launch_plans import LaunchPlans
from flightdeck_admin.service.named_entities import NamedEntities
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.service.tasks import Tasks
from flightdeck_admin.service.workflows import Workflows
from flightdeck_admin.settings import AdminSettings
from flightdeck_admin.store import attributes as attribute_store
from flightdeck_admin.store import (
    description_entities,
    indexes,
    launch_plans,
    mongo,
    named_entities,
    workflows,
)
from flightdeck_admin.store.projects import COLLECTION as PROJECTS
from flightdeck_admin.store.projects import MongoProjectStore
from flightdeck_admin.store.tasks import COLLECTION as TASKS
from flightdeck_admin.store.tasks import MongoTaskStore
from flightdeck_platform.build_info import build_info
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-admin"


def build_host(settings: AdminSettings, client: AsyncMongoClient) -> ServiceHost:
    info = build_info(SERVICE_NAME)
    database = client[settings.mongo.database]
    projects = Projects(MongoProjectStore(database[PROJECTS]), settings.domains)
    limits = {k: quantities.parse(v) for k, v in settings.task_resources.limits.items()}
    descriptions = description_entities.MongoDescriptionEntityStore(
        database[description_entities.COLLECTION]
    )
    task_store = MongoTaskStore(database[TASKS])
    tasks = Tasks(task_store, projects, limits, compile_task, descriptions)
    workflow_store = workflows.MongoWorkflowStore(database[workflows.COLLECTION])
    launch_plan_store = launch_plans.MongoLaunchPlanStore(
        database[launch_plans.COLLECTION], database[launch_plans.ACTIVE_COLLECTION]
    )
    admin_apis = [
        VersionApi(ControlPlaneVersion(info.version, info.commit, info.built_at)),
        ProjectsApi(projects),
        TasksApi(tasks),
        WorkflowsApi(
            Workflows(workflow_store, task_store, launch_plan_store, projects, descriptions)
        ),
        LaunchPlansApi(LaunchPlans(launch_plan_store, workflow_store, projects)),
        NamedEntitiesApi(NamedEntities(named_entities.MongoNamedEntityStore(database))),
        DescriptionEntitiesApi(DescriptionEntities(descriptions)),
        MatchableAttributesApi(
            MatchableAttributes(
                attribute_store.MongoMatchableAttributeStore(database[attribute_store.COLLECTION]),
                projects,
                settings.workflow_execution_defaults(),
            )
        ),
    ]
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[
            (services.ADMIN, admin_apis),
            (services.AUTH_METADATA, None),
            (services.IDENTITY, None),
            (services.AGENT_METADATA, None),
            (services.CACHE, None),
        ],
        probes={"mongo": lambda: mongo.ping(client)},
        connectors={"mongo indexes": lambda: indexes.apply(database)},
        health_names=["flyteadmin"],
    )


async def serve(settings: AdminSettings) -> None:
    client = mongo.connect(settings.mongo, SERVICE_NAME)
    try:
        await build_host(settings, client).run_until_signalled()
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, AdminSettings, serve, argv)

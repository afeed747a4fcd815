"""Composition root of the admin service: settings → clients → stores → use cases → APIs → host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import grpc
from aiokafka import AIOKafkaProducer
from flyteidl.admin import launch_plan_pb2, task_pb2, workflow_pb2
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase
from starlette.routing import BaseRoute

from flightdeck_admin.api.attributes import MatchableAttributesApi
from flightdeck_admin.api.auth import AuthMetadataApi, IdentityApi
from flightdeck_admin.api.cache import CacheApi
from flightdeck_admin.api.description_entities import DescriptionEntitiesApi
from flightdeck_admin.api.execution_reads import ExecutionReadsApi
from flightdeck_admin.api.executions import ExecutionsApi
from flightdeck_admin.api.launch_plans import LaunchPlansApi
from flightdeck_admin.api.named_entities import NamedEntitiesApi
from flightdeck_admin.api.node_executions import NodeExecutionsApi
from flightdeck_admin.api.projects import ProjectsApi
from flightdeck_admin.api.task_executions import TaskExecutionsApi
from flightdeck_admin.api.tasks import TasksApi
from flightdeck_admin.api.version import VersionApi
from flightdeck_admin.api.workflows import WorkflowsApi
from flightdeck_admin.domain import workflows as domain_workflows
from flightdeck_admin.domain.build import ControlPlaneVersion
from flightdeck_admin.domain.task_resources import PlatformResources
from flightdeck_admin.messaging import kafka
from flightdeck_admin.service.attributes import MatchableAttributes
from flightdeck_admin.service.cache_eviction import CacheEviction
from flightdeck_admin.service.description_entities import DescriptionEntities
from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.execution_metrics import ExecutionMetrics
from flightdeck_admin.service.executions import Executions, LaunchSettings
from flightdeck_admin.service.executions_lifecycle import ExecutionLifecycle
from flightdeck_admin.service.launch_plans import LaunchPlans
from flightdeck_admin.service.launches import Launchables
from flightdeck_admin.service.named_entities import NamedEntities
from flightdeck_admin.service.node_executions import NodeExecutions
from flightdeck_admin.service.outbox import Checkpoint, Outbox, no_checkpoint
from flightdeck_admin.service.projects import Projects
from flightdeck_admin.service.task_executions import TaskExecutions
from flightdeck_admin.service.tasks import Tasks
from flightdeck_admin.service.versioned import VersionedListing
from flightdeck_admin.service.workflows import Workflows
from flightdeck_admin.settings import AdminSettings, ExecutorCommandsSettings, OutboxSettings
from flightdeck_admin.store import attributes as attribute_store
from flightdeck_admin.store import (
    description_entities,
    execution_reads,
    executions,
    indexes,
    launch_plans,
    mongo,
    named_entities,
    node_executions,
    oauth_grants,
    parent_nodes,
    read_caches,
    task_cache,
    task_executions,
    workflows,
)
from flightdeck_admin.store.projects import COLLECTION as PROJECTS
from flightdeck_admin.store.projects import MongoProjectStore
from flightdeck_admin.store.tasks import COLLECTION as TASKS
from flightdeck_admin.store.tasks import MongoTaskStore
from flightdeck_compiler import compile_task, quantities
from flightdeck_platform.auth.fetch import json_document
from flightdeck_platform.auth.issuer.assembly import built_in_server
from flightdeck_platform.auth.issuer.pending import PendingGrants
from flightdeck_platform.auth.settings import AuthSettings
from flightdeck_platform.auth.setup import server_authentication
from flightdeck_platform.build_info import build_info
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_topics import TopicSpec, provision
from flightdeck_platform.rpc.services import Servicers
from flightdeck_proto import services
from flightdeck_proto.services import ServiceDefinition
from flightdeck_records import topics
from flightdeck_storage import ObjectStore, open_store

SERVICE_NAME = "flightdeck-admin"


class _Registration:
    """The catalog's stores and use cases, which executions launch from."""

    def __init__(self, database: AsyncDatabase, projects: Projects) -> None:
        self.descriptions = description_entities.MongoDescriptionEntityStore(
            database[description_entities.COLLECTION]
        )
        self.names = named_entities.MongoNamedEntityStore(database[named_entities.COLLECTION])
        self.tasks = MongoTaskStore(database[TASKS])
        self.workflows = workflows.MongoWorkflowStore(database[workflows.COLLECTION])
        self.launch_plans = launch_plans.MongoLaunchPlanStore(
            database[launch_plans.COLLECTION], database[launch_plans.ACTIVE_COLLECTION]
        )
        self.workflow_use_cases = Workflows(
            self.workflows, self.tasks, self.launch_plans, projects, self.descriptions, self.names
        )


def _registration_apis(
    settings: AdminSettings, projects: Projects, registration: _Registration
) -> list[object]:
    """Tasks, workflows, launch plans and the records beside them."""
    descriptions, names = registration.descriptions, registration.names
    limits = {k: quantities.parse(v) for k, v in settings.task_resources.limits.items()}
    task_store, workflow_store = registration.tasks, registration.workflows
    launch_plan_store = registration.launch_plans
    return [
        TasksApi(
            Tasks(task_store, projects, limits, compile_task, descriptions, names),
            VersionedListing(
                task_store, lambda found, token: task_pb2.TaskList(tasks=found, token=token)
            ),
        ),
        WorkflowsApi(
            registration.workflow_use_cases,
            VersionedListing(
                workflow_store,
                lambda found, token: workflow_pb2.WorkflowList(workflows=found, token=token),
                domain_workflows.list_view,
            ),
        ),
        LaunchPlansApi(
            LaunchPlans(launch_plan_store, workflow_store, projects, names),
            VersionedListing(
                launch_plan_store,
                lambda found, token: launch_plan_pb2.LaunchPlanList(
                    launch_plans=found, token=token
                ),
            ),
        ),
        NamedEntitiesApi(NamedEntities(names)),
        DescriptionEntitiesApi(DescriptionEntities(descriptions)),
    ]


def _record_apis(
    database: AsyncDatabase, blobs: ObjectStore, workflow_store: workflows.MongoWorkflowStore
) -> list[object]:
    """Reads of what the events projector records: node and task executions, execution data
    and metrics."""
    executions_read = execution_reads.MongoExecutionReader(database[executions.COLLECTION])
    nodes = node_executions.MongoNodeExecutionStore(database[node_executions.COLLECTION])
    tasks = task_executions.MongoTaskExecutionStore(database[task_executions.COLLECTION])
    data = ExecutionData(executions_read, nodes, tasks, blobs)
    node_use_cases = NodeExecutions(nodes, tasks)
    task_use_cases = TaskExecutions(tasks, nodes)
    metrics = ExecutionMetrics(
        executions_read, workflow_store, node_use_cases, task_use_cases, data
    )
    return [
        NodeExecutionsApi(node_use_cases, data),
        TaskExecutionsApi(task_use_cases, data),
        ExecutionReadsApi(data, metrics),
    ]


def _cache_api(database: AsyncDatabase) -> CacheApi:
    """Eviction deletes what the executor put in the task cache (both use this database)."""
    return CacheApi(
        CacheEviction(
            task_executions.MongoTaskExecutionStore(database[task_executions.COLLECTION]),
            node_executions.MongoNodeExecutionStore(database[node_executions.COLLECTION]),
            task_cache.MongoCachedNodes(database),
            task_cache.MongoTaskCacheEntries(database),
        )
    )


def _execution_apis(
    database: AsyncDatabase,
    settings: AdminSettings,
    projects: Projects,
    registration: _Registration,
    attributes: MatchableAttributes,
    deliveries: Outbox,
    blobs: ObjectStore,
    checkpoint: Checkpoint,
) -> ExecutionsApi:
    store = executions.MongoExecutionStore.of(database)
    launchables = Launchables(
        registration.launch_plans,
        registration.workflows,
        registration.tasks,
        registration.workflow_use_cases.create,
        registration.names,
        settings.cache.max_entries,
    )
    resources = settings.task_resources
    launch_settings = LaunchSettings(
        settings.workflow_execution_defaults(),
        PlatformResources(resources.defaults, resources.limits),
        settings.max_nesting,
        settings.parent_node_wait_seconds,
    )
    use_cases = Executions(
        store,
        launchables,
        projects,
        attributes,
        parent_nodes.MongoParentNodes(database[parent_nodes.COLLECTION]),
        blobs,
        deliveries,
        launch_settings,
        checkpoint=checkpoint,
    )
    return ExecutionsApi(use_cases, ExecutionLifecycle(store, use_cases, deliveries, blobs))


def outbox_of(
    database: AsyncDatabase,
    producer: object,
    blobs: ObjectStore,
    checkpoint: Checkpoint = no_checkpoint,
    settings: OutboxSettings | None = None,
) -> Outbox:
    settings = settings or OutboxSettings()
    publisher = kafka.KafkaCommandPublisher(
        producer,  # type: ignore[arg-type]
        timeout=timedelta(seconds=settings.publish_timeout_seconds),
    )
    return Outbox(
        executions.MongoExecutionStore.of(database),
        publisher,
        blobs,
        checkpoint=checkpoint,
        max_attempts=settings.max_delivery_attempts,
    )


def _commands_topic(layout: ExecutorCommandsSettings) -> TopicSpec:
    return TopicSpec.of(topics.EXECUTOR_COMMANDS, layout.partitions, layout)


@dataclass
class _Auth:
    """What authentication adds to admin: the metadata services, the interceptor, and in self
    mode the built-in server's routes; in external mode the issuer's document, read at start-up."""

    services: list[tuple[ServiceDefinition, Servicers]]
    interceptors: list[grpc.aio.ServerInterceptor]
    routes: list[BaseRoute] = field(default_factory=list)
    connectors: dict[str, Callable[[], Awaitable[object]]] = field(default_factory=dict)


def _auth(settings: AuthSettings, grants: PendingGrants) -> _Auth:
    if not settings.enabled:
        off: list[tuple[ServiceDefinition, Servicers]] = [
            (services.AUTH_METADATA, None),
            (services.IDENTITY, None),
        ]
        return _Auth(off, server_authentication(settings, SERVICE_NAME))
    if settings.mode == "self":
        server = built_in_server(settings, grants)
        return _Auth(
            [
                (services.AUTH_METADATA, AuthMetadataApi(lambda: server.metadata, settings)),
                (services.IDENTITY, IdentityApi()),
            ],
            server_authentication(settings, SERVICE_NAME, local_keys=server.keys.jwks),
            server.routes,
        )
    external: dict[str, object] = {}

    async def read_metadata() -> None:
        external.update(await json_document(settings.metadata_location()))

    return _Auth(
        [
            (services.AUTH_METADATA, AuthMetadataApi(lambda: external, settings)),
            (services.IDENTITY, IdentityApi()),
        ],
        server_authentication(settings, SERVICE_NAME),
        connectors={"issuer metadata": read_metadata},
    )


def build_host(
    settings: AdminSettings,
    client: AsyncMongoClient,
    blobs: ObjectStore,
    producer: AIOKafkaProducer,
    deliveries: Outbox,
    checkpoint: Checkpoint = no_checkpoint,
    auth_grants: PendingGrants | None = None,
) -> ServiceHost:
    """``auth_grants``: where the built-in authorization server keeps its pending grants;
    admin's database unless given (the API tests, which run without one, pass a fake)."""
    info = build_info(SERVICE_NAME)
    database = client[settings.mongo.database]
    cache = settings.cache
    projects = Projects(
        read_caches.CachedProjectStore(
            MongoProjectStore(database[PROJECTS]), cache.max_entries, cache.ttl_seconds
        ),
        settings.domains,
    )
    registration = _Registration(database, projects)
    attributes = MatchableAttributes(
        read_caches.CachedAttributeStore(
            attribute_store.MongoMatchableAttributeStore(database[attribute_store.COLLECTION]),
            cache.max_entries,
            cache.ttl_seconds,
        ),
        projects,
        settings.workflow_execution_defaults(),
    )
    admin_apis = [
        VersionApi(ControlPlaneVersion(info.version, info.commit, info.built_at)),
        ProjectsApi(projects),
        *_registration_apis(settings, projects, registration),
        MatchableAttributesApi(attributes),
        _execution_apis(
            database, settings, projects, registration, attributes, deliveries, blobs, checkpoint
        ),
        *_record_apis(database, blobs, registration.workflows),
    ]
    auth = _auth(settings.auth, auth_grants or oauth_grants.MongoPendingGrants(database))
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        services=[
            (services.ADMIN, admin_apis),
            *auth.services,
            (services.CACHE, [_cache_api(database)]),
        ],
        authentication=auth.interceptors,
        extra_routes=auth.routes,
        probes={"mongo": lambda: mongo.ping(client), "object_store": blobs.ping},
        # Kafka does not gate readiness: executions are accepted into the outbox while it is
        # away, and the relay publishes them once the producer has started.
        informational_probes={"kafka": lambda: kafka.ping(producer)},
        connectors={
            "mongo indexes": lambda: indexes.apply(database),
            "seed projects": lambda: projects.seed(settings.seed_projects),
            **auth.connectors,
        },
        companions={
            "kafka": producer.start,
            "executor commands topic": lambda: provision(
                settings.kafka, [_commands_topic(settings.executor_commands)]
            ),
        },
        health_names=["flyteadmin"],
    )


async def serve(settings: AdminSettings, checkpoint: Checkpoint = no_checkpoint) -> None:
    """The outbox relay runs beside the host: at start-up, then every interval. ``checkpoint``
    is called at the outbox's steps (the crash tests pass one that kills the process)."""
    client = mongo.connect(settings.mongo, SERVICE_NAME)
    blobs = await open_store(settings.storage)
    producer = kafka.producer(settings.kafka)
    deliveries = outbox_of(
        client[settings.mongo.database], producer, blobs, checkpoint, settings.outbox
    )
    relay = asyncio.create_task(
        deliveries.relay_forever(
            timedelta(seconds=settings.outbox.relay_interval_seconds),
            timedelta(seconds=settings.outbox.relay_grace_seconds),
        )
    )
    try:
        host = build_host(settings, client, blobs, producer, deliveries, checkpoint)
        await host.run_until_signalled()
    finally:
        relay.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await relay
        await producer.stop()
        await blobs.close()
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, AdminSettings, serve, argv)

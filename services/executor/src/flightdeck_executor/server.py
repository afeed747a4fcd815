"""Composition root of the executor: settings → MongoDB, object store, edge channel → run
store, process runner, clients → engine → runs → the command consumer, and the HTTP side
(health, readiness, metrics, task logs). In hand-off mode the commands go to ``Handoff``
(FlyteWorkflow objects for a real flytepropeller) instead of the local engine."""

from __future__ import annotations

import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import grpc
from faststream.kafka import KafkaBroker

from flightdeck_executor.api.logs import log_routes
from flightdeck_executor.clients import control_plane
from flightdeck_executor.clients.agents import GrpcAgents
from flightdeck_executor.clients.kubernetes import KubernetesCluster
from flightdeck_executor.consumers import commands
from flightdeck_executor.domain.flyteworkflow import TaskResources
from flightdeck_executor.messaging.ownership import Ownership
from flightdeck_executor.processes.local import LocalProcesses
from flightdeck_executor.service.cluster_resources import ClusterResources
from flightdeck_executor.service.commands import CommandIntake
from flightdeck_executor.service.handoff import Handoff, HandoffConfig
from flightdeck_executor.service.ports import CommandTarget
from flightdeck_executor.service.rounds import Engine, EngineConfig
from flightdeck_executor.service.runs import Runs
from flightdeck_executor.service.slots import TaskSlots
from flightdeck_executor.settings import ExecutorSettings
from flightdeck_executor.store import runs as run_store
from flightdeck_executor.store.task_cache import MongoTaskCache
from flightdeck_platform.auth.client import client_interceptors
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_offsets import watch_consumer_lag
from flightdeck_platform.kafka_topics import require
from flightdeck_platform.poison import RetryBudget
from flightdeck_records import topics
from flightdeck_storage import ObjectNotFound, ObjectStore, StorageConfig, join_key, open_store

SERVICE_NAME = "flightdeck-executor"


def storage_environment(config: StorageConfig) -> dict[str, str]:
    """What flytekit inside a task needs to reach the same object store."""
    if config.backend != "s3":
        return {}
    s3 = config.s3
    env = {"FLYTE_AWS_ENDPOINT": s3.endpoint_url or ""}
    if s3.access_key_id:
        env["FLYTE_AWS_ACCESS_KEY_ID"] = s3.access_key_id
    if s3.secret_access_key:
        env["FLYTE_AWS_SECRET_ACCESS_KEY"] = s3.secret_access_key.get_secret_value()
    return env


def engine_config(settings: ExecutorSettings) -> EngineConfig:
    tasks = settings.tasks
    inherited = {
        name: os.environ[name] for name in [*tasks.passed_environment, "PATH"] if name in os.environ
    }
    return EngineConfig(
        producer_id=settings.control_plane.producer_id,
        work_dir=settings.work_dir.resolve(),
        raw_output_prefix=settings.raw_output_prefix,
        metadata_prefix=settings.metadata_prefix,
        python_bin_dir=tasks.python_bin_dir,
        base_environment=inherited,
        storage_environment=storage_environment(settings.storage),
        public_url=settings.public_url,
        max_output_bytes=tasks.max_output_bytes,
        max_system_failures=tasks.max_system_failures,
        kill_grace_seconds=tasks.kill_grace_seconds,
        cache_heartbeat_seconds=settings.cache.reservation_heartbeat_seconds,
        agent_unavailable_budget=settings.agents.unavailable_budget,
    )


def archived_logs(blobs: ObjectStore, prefix: str):  # type: ignore[no-untyped-def]
    async def read(path: str) -> bytes | None:
        try:
            return await blobs.read(join_key(prefix, "logs", path))
        except ObjectNotFound:
            return None

    return read


@dataclass
class Mode:
    """What differs between running workflows here and handing them to propeller."""

    target: CommandTarget
    listener: Ownership | None
    probes: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    companions: dict[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    closers: list[Callable[[], Awaitable[None]]] = field(default_factory=list)


def local_mode(
    settings: ExecutorSettings,
    blobs: ObjectStore,
    edge: grpc.aio.Channel,
    store: run_store.MongoRunStore,
    topic: str,
    task_cache: MongoTaskCache | None = None,
) -> Mode:
    timeout = settings.control_plane.call_timeout_seconds
    agents, agent_companions, agent_closers = agents_of(settings)
    awake: list[Runs] = []

    def wake() -> None:
        for started in awake:
            started.wake_all()

    # The supervisor shim is ours, so it runs in the executor's own environment.
    processes = LocalProcesses(sys.executable, wake=wake)
    engine = Engine(
        config=engine_config(settings),
        blobs=blobs,
        processes=processes,
        signals=control_plane.GrpcSignals(edge, timeout),
        slots=TaskSlots(settings.tasks.max_running),
        children=control_plane.GrpcChildExecutions(edge, timeout),
        recovery=control_plane.GrpcRecoverySource(edge, timeout),
        cache=task_cache,
        agents=agents,
    )
    runs = Runs(
        engine,
        store,
        control_plane.GrpcEventSink(edge, timeout),
        settings.poll_interval_seconds,
        settings.commands.cluster_pools,
    )
    awake.append(runs)
    return Mode(
        runs,
        Ownership(runs, topic),
        companions=agent_companions,
        closers=[runs.close, processes.aclose, *agent_closers],
    )


def agents_of(
    settings: ExecutorSettings,
) -> tuple[GrpcAgents | None, dict[str, Callable[[], Awaitable[None]]], list[Any]]:
    """The agents service client with its ListAgents reader (a companion: agents being away
    must not make the executor unready), or nothing when no agents service is configured."""
    config = settings.agents
    if not config.target:
        return None, {}, []
    channel = control_plane.channel(
        config.target,
        settings.server.max_message_bytes,
        client_interceptors(settings.auth, "flightdeck-executor"),
    )
    agents = GrpcAgents(channel, config.call_timeout_seconds, config.task_types)
    interval = timedelta(seconds=config.refresh_interval_seconds)

    async def read_agents() -> None:
        await agents.run(interval)

    return agents, {"agents": read_agents}, [channel.close]


async def handoff_mode(
    settings: ExecutorSettings, blobs: ObjectStore, edge: grpc.aio.Channel
) -> Mode:
    handoff = settings.handoff
    cluster = await KubernetesCluster.connect(
        handoff.kube_config, handoff.kube_context, handoff.call_timeout_seconds
    )
    resources = ClusterResources(
        cluster,
        control_plane.GrpcProjects(edge, settings.control_plane.call_timeout_seconds),
        handoff.namespace_template,
        handoff.service_account,
        handoff.project_sync_interval_seconds,
    )
    config = HandoffConfig(
        delete_on_termination=handoff.delete_on_termination,
        offload_closure=handoff.offload_closure,
        offload_inputs=handoff.offload_inputs,
        event_version=handoff.event_version,
        role_annotation_key=handoff.role_annotation_key,
        console_url=handoff.console_url,
        task_resources=TaskResources(
            handoff.task_resources.requests, handoff.task_resources.limits
        ),
    )
    target = Handoff(cluster, blobs, resources, config, settings.commands.cluster_pools)
    # No partition ownership: propeller drives the runs, the executor keeps no run state.
    return Mode(
        target,
        None,
        probes={"kubernetes": cluster.ping},
        companions={"cluster resources": resources.run},
        closers=[cluster.close],
    )


async def serve(settings: ExecutorSettings) -> None:
    client = run_store.connect(
        settings.mongo.url, SERVICE_NAME, settings.mongo.server_selection_timeout_ms
    )
    blobs = await open_store(settings.storage)
    edge = control_plane.channel(
        settings.control_plane.target,
        settings.server.max_message_bytes,
        client_interceptors(settings.auth, "flightdeck-executor"),
    )
    store = run_store.MongoRunStore(client[settings.mongo.database])
    topic = settings.commands.topic_prefix + topics.EXECUTOR_COMMANDS
    if settings.mode == "handoff":
        mode = await handoff_mode(settings, blobs, edge)
    else:
        task_cache = MongoTaskCache(client[settings.mongo.database])
        mode = local_mode(
            settings, blobs, edge, store, topic, task_cache if settings.cache.enabled else None
        )
    broker = KafkaBroker(settings.kafka.bootstrap_servers, client_id=settings.kafka.client_id)
    commands.subscribe(
        broker,
        CommandIntake(mode.target, store, RetryBudget(settings.commands.max_attempts)),
        topic,
        settings.commands.consumer_group,
        mode.listener,
    )

    async def start_consuming() -> None:
        await run_store.ping(client)
        await store.ensure_indexes()
        await require(settings.kafka, [topic])  # admin creates it
        await broker.start()

    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        probes={
            "mongo": lambda: run_store.ping(client),
            "object_store": blobs.ping,
            **mode.probes,
        },
        connectors={"kafka consumer": start_consuming},
        companions={
            "consumer lag": watch_consumer_lag(
                settings.kafka, settings.commands.consumer_group, [topic]
            ).run,
            **mode.companions,
        },
        extra_routes=log_routes(
            settings.work_dir.resolve(), archived_logs(blobs, settings.metadata_prefix)
        ),
    )
    try:
        await host.run_until_signalled()
    finally:
        await broker.stop()
        for close in mode.closers:
            await close()
        await edge.close()
        await blobs.close()
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, ExecutorSettings, serve, argv)


if __name__ == "__main__":
    main()

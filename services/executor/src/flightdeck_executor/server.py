"""Composition root of the executor: settings → MongoDB, object store, edge channel → run
store, process runner, clients → engine → runs → the command consumer, and the HTTP side
(health, readiness, metrics, task logs)."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from faststream.kafka import KafkaBroker

from flightdeck_executor.api.logs import log_routes
from flightdeck_executor.clients import control_plane
from flightdeck_executor.consumers import commands
from flightdeck_executor.messaging.ownership import Ownership
from flightdeck_executor.processes.local import LocalProcesses
from flightdeck_executor.service.commands import CommandIntake
from flightdeck_executor.service.rounds import Engine, EngineConfig
from flightdeck_executor.service.runs import Runs
from flightdeck_executor.service.slots import TaskSlots
from flightdeck_executor.settings import ExecutorSettings
from flightdeck_executor.store import runs as run_store
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
    )


def archived_logs(blobs: ObjectStore, prefix: str):  # type: ignore[no-untyped-def]
    async def read(path: str) -> bytes | None:
        try:
            return await blobs.read(join_key(prefix, "logs", path))
        except ObjectNotFound:
            return None

    return read


async def serve(settings: ExecutorSettings) -> None:
    client = run_store.connect(
        settings.mongo.url, SERVICE_NAME, settings.mongo.server_selection_timeout_ms
    )
    blobs = await open_store(settings.storage)
    edge = control_plane.channel(settings.control_plane.target, settings.server.max_message_bytes)
    timeout = settings.control_plane.call_timeout_seconds
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
    )
    store = run_store.MongoRunStore(client[settings.mongo.database])
    runs = Runs(
        engine,
        store,
        control_plane.GrpcEventSink(edge, timeout),
        settings.poll_interval_seconds,
        settings.commands.cluster_pools,
    )
    awake.append(runs)
    topic = settings.commands.topic_prefix + topics.EXECUTOR_COMMANDS
    broker = KafkaBroker(settings.kafka.bootstrap_servers, client_id=settings.kafka.client_id)
    commands.subscribe(
        broker,
        CommandIntake(runs, store, RetryBudget(settings.commands.max_attempts)),
        topic,
        settings.commands.consumer_group,
        Ownership(runs, topic),
    )

    async def start_consuming() -> None:
        await run_store.ping(client)
        await store.ensure_indexes()
        await require(settings.kafka, [topic])  # admin creates it
        await broker.start()

    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        probes={"mongo": lambda: run_store.ping(client), "object_store": blobs.ping},
        connectors={"kafka consumer": start_consuming},
        companions={
            "consumer lag": watch_consumer_lag(
                settings.kafka, settings.commands.consumer_group, [topic]
            ).run
        },
        extra_routes=log_routes(
            settings.work_dir.resolve(), archived_logs(blobs, settings.metadata_prefix)
        ),
    )
    try:
        await host.run_until_signalled()
    finally:
        await broker.stop()
        await runs.close()
        await processes.aclose()
        await edge.close()
        await blobs.close()
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, ExecutorSettings, serve, argv)


if __name__ == "__main__":
    main()

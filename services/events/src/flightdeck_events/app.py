"""Composition root of the events projector: a FastStream consumer group on Kafka that folds
events into MongoDB.

It serves no gRPC; its HTTP port answers /healthcheck, /readyz and /metrics.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from pymongo import AsyncMongoClient

from flightdeck_events.consumers.events import subscribe
from flightdeck_events.messaging.announcements import KafkaAnnouncements
from flightdeck_events.service.guarded import GuardedProjector, RetryPolicy
from flightdeck_events.service.offloading import Offloader
from flightdeck_events.service.projector import ProjectionRecords, Projector
from flightdeck_events.settings import ProjectorSettings
from flightdeck_events.store import kafka, mongo
from flightdeck_events.store.projection_records import MongoProjectionRecords
from flightdeck_events.topics import EventTopics
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_offsets import watch_consumer_lag
from flightdeck_platform.kafka_topics import provision
from flightdeck_storage import ObjectStore, open_store

SERVICE_NAME = "flightdeck-events-projector"


async def _broker_answers(broker: KafkaBroker) -> None:
    if not await broker.ping(timeout=1.0):
        raise ConnectionError("kafka broker did not answer")


@dataclass
class ProjectorProcess:
    host: ServiceHost
    broker: KafkaBroker
    producer: AIOKafkaProducer

    async def close(self) -> None:
        await self.broker.stop()
        await self.producer.stop()


def _once(steps: Sequence[Callable[[], Awaitable[object]]]) -> Callable[[], Awaitable[None]]:
    """Runs the steps in order; a retry after a failure resumes at the step that failed."""
    done = 0

    async def run() -> None:
        nonlocal done
        while done < len(steps):
            await steps[done]()
            done += 1

    return run


def build_process(
    settings: ProjectorSettings,
    client: AsyncMongoClient,
    blobs: ObjectStore,
    records: ProjectionRecords | None = None,
) -> ProjectorProcess:
    """``records`` defaults to the MongoDB projection of ``settings``; tests pass a wrapper."""
    broker = KafkaBroker(settings.kafka.bootstrap_servers, client_id=settings.kafka.client_id)
    producer = kafka.producer(settings.kafka, settings.topics.max_message_bytes, settings.producer)
    names = EventTopics.of(settings.topics)
    announcements = KafkaAnnouncements(producer, names)
    projector = Projector(
        records or MongoProjectionRecords(client[settings.mongo.database]),
        announcements,
        Offloader(blobs),
    )
    subscribe(
        broker,
        GuardedProjector(
            projector,
            announcements,
            RetryPolicy(settings.max_attempts, max_pause_seconds=settings.max_retry_pause_seconds),
        ),
        names.events,
        settings.consumer_group,
        settings.max_batch,
        settings.batch_wait_ms,
        settings.topics.max_message_bytes,
        settings.max_poll_interval_ms,
    )

    # Dependencies first: a consumer that cannot write would only rewind and retry.
    start_consuming = _once(
        [
            lambda: mongo.ping(client),
            lambda: provision(settings.kafka, kafka.topic_specs(settings.topics)),
            producer.start,
            broker.start,
        ]
    )
    host = ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        probes={
            "kafka": lambda: _broker_answers(broker),
            "mongo": lambda: mongo.ping(client),
            "object_store": blobs.ping,
        },
        connectors={"kafka consumer": start_consuming},
        companions={
            "consumer lag": watch_consumer_lag(
                settings.kafka, settings.consumer_group, [names.events]
            ).run
        },
    )
    return ProjectorProcess(host, broker, producer)


async def serve(settings: ProjectorSettings) -> None:
    client = mongo.connect(settings.mongo, SERVICE_NAME)
    blobs = await open_store(settings.storage)
    process = build_process(settings, client, blobs)
    try:
        await process.host.run_until_signalled()
    finally:
        await process.close()
        await blobs.close()
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, ProjectorSettings, serve, argv)


if __name__ == "__main__":
    main()

"""Composition root of the events gateway: the gRPC/REST front that appends events to Kafka."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from pymongo import AsyncMongoClient
from redis.asyncio import Redis

from flightdeck_events.api.events import EventsApi
from flightdeck_events.service.ingestion import EventIngestion
from flightdeck_events.settings import GatewaySettings
from flightdeck_events.store import kafka, mongo
from flightdeck_events.store.acknowledged_state import RedisAcknowledgedState
from flightdeck_events.store.event_log import KafkaEventLog
from flightdeck_events.store.projection_view import MongoProjectionView
from flightdeck_events.topics import EventTopics
from flightdeck_platform.auth.setup import server_authentication
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.kafka_topics import provision
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-events-gateway"


def build_host(
    settings: GatewaySettings, client: AsyncMongoClient, producer: AIOKafkaProducer, redis: Redis
) -> ServiceHost:
    state = RedisAcknowledgedState(
        redis,
        MongoProjectionView(client[settings.mongo.database]),
        # the state mirrors one database's projection, so each database has its own
        namespace=settings.mongo.database,
        ttl_seconds=settings.acknowledged_ttl_seconds,
    )
    ingestion = EventIngestion(
        state,
        KafkaEventLog(producer, EventTopics.of(settings.topics).events),
        settings.max_output_bytes,
        settings.event_limits(),
    )
    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        authentication=server_authentication(settings.auth, SERVICE_NAME),
        services=[(services.ADMIN, [EventsApi(ingestion)])],
        probes={
            "kafka": lambda: kafka.ping(producer),
            "mongo": lambda: mongo.ping(client),
            "redis": redis.ping,
        },
        connectors={
            "kafka topics": lambda: provision(settings.kafka, kafka.topic_specs(settings.topics)),
            "kafka": producer.start,
        },
    )


async def serve(settings: GatewaySettings) -> None:
    client = mongo.connect(settings.mongo, SERVICE_NAME)
    producer = kafka.producer(settings.kafka, settings.topics.max_message_bytes, settings.producer)
    redis = Redis.from_url(settings.redis.url)  # connects on its first command
    try:
        await build_host(settings, client, producer, redis).run_until_signalled()
    finally:
        await producer.stop()
        await redis.aclose()
        await client.close()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, GatewaySettings, serve, argv)


if __name__ == "__main__":
    main()

"""Publishes what the projector decided: dead letters and the phase-change feed (protobuf and
CloudEvents JSON), keyed by execution so each execution's messages stay ordered."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError, KafkaTimeoutError

from flightdeck_events.messaging.cloudevents import cloud_event
from flightdeck_events.service.projector import DeadLetter
from flightdeck_events.topics import EventTopics
from flightdeck_platform import faults
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics


def _unavailable(error: KafkaError) -> faults.Fault | None:
    """A retriable Kafka error (no leader, connection, a batch expired unsent) says the broker is
    unavailable, not that these messages are bad."""
    if error.retriable or isinstance(error, KafkaTimeoutError):
        return faults.Unavailable(f"kafka: {type(error).__name__}: {error}")
    return None


async def _acknowledged(sends: Sequence[Awaitable[object]]) -> None:
    try:
        await asyncio.gather(*sends)
    except KafkaError as error:
        if unavailable := _unavailable(error):
            raise unavailable from error
        raise


class KafkaAnnouncements:
    def __init__(self, producer: AIOKafkaProducer, names: EventTopics) -> None:
        self._producer = producer
        self._topics = names

    async def set_aside(self, dead_letters: Sequence[DeadLetter]) -> None:
        await _acknowledged(
            [
                await self._send(
                    self._topics.dead_letters,
                    dead.letter.SerializeToString(),
                    key=dead.key,
                    headers=[("reason", dead.letter.reason.encode()[:256])],
                )
                for dead in dead_letters
            ]
        )

    async def announce(self, phase_changes: Sequence[events_pb2.ExecutionPhaseChanged]) -> None:
        sends = []
        for change in phase_changes:
            key = topics.execution_key(change.execution_id)
            sends.append(await self._send(self._topics.phases, change.SerializeToString(), key))
            sends.append(
                await self._send(
                    self._topics.phases_cloudevents,
                    cloud_event(change),
                    key=key,
                    headers=[("content-type", b"application/cloudevents+json")],
                )
            )
        await _acknowledged(sends)

    async def _send(
        self,
        topic: str,
        value: bytes,
        key: bytes,
        headers: list[tuple[str, bytes]] | None = None,
    ) -> Awaitable[object]:
        """Queues one message; the returned future resolves on the broker's acknowledgement."""
        try:
            return await self._producer.send(topic, value, key=key, headers=headers)
        except KafkaError as error:
            if unavailable := _unavailable(error):
                raise unavailable from error
            raise

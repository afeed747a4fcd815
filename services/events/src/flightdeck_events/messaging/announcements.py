"""Publishes what the projector decided: dead letters and the phase-change feed (protobuf and
CloudEvents JSON), keyed by execution so each execution's messages stay ordered."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from flightdeck_events.messaging.cloudevents import cloud_event
from flightdeck_events.service.projector import DeadLetter
from flightdeck_events.topics import EventTopics
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics


class KafkaAnnouncements:
    def __init__(self, producer: AIOKafkaProducer, names: EventTopics) -> None:
        self._producer = producer
        self._topics = names

    async def publish(
        self,
        dead_letters: Sequence[DeadLetter],
        phase_changes: Sequence[events_pb2.ExecutionPhaseChanged],
    ) -> None:
        sends = [
            await self._producer.send(
                self._topics.dead_letters,
                dead.letter.SerializeToString(),
                key=dead.key,
                headers=[("reason", dead.letter.reason.encode()[:256])],
            )
            for dead in dead_letters
        ]
        for change in phase_changes:
            key = topics.execution_key(change.execution_id)
            sends.append(
                await self._producer.send(self._topics.phases, change.SerializeToString(), key=key)
            )
            sends.append(
                await self._producer.send(
                    self._topics.phases_cloudevents,
                    cloud_event(change),
                    key=key,
                    headers=[("content-type", b"application/cloudevents+json")],
                )
            )
        if sends:
            await asyncio.gather(*sends)

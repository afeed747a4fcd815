"""The executor's Kafka edge: a consumer group on the executor-commands topic. Partitions are
the unit of ownership: a replica drives the runs of the partitions assigned to it and, on a
rebalance, hands them over (a dead replica's partitions go to the survivors)."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import ConsumerRebalanceListener, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from google.protobuf.message import DecodeError

from flightdeck_executor.service import metrics
from flightdeck_executor.service.runs import Runs
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2

RETRY_PAUSE_SECONDS = 1.0
"""After a failed command: lets MongoDB come back instead of spinning."""

_log = logging.getLogger("flightdeck.executor.commands")


class Ownership(ConsumerRebalanceListener):  # type: ignore[misc]
    """Revocation waits for the runs' drivers to stop, so two replicas never drive one run."""

    def __init__(self, runs: Runs, topic: str) -> None:
        self._runs = runs
        self._topic = topic

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._runs.revoked(p.partition for p in revoked if p.topic == self._topic)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        partitions = [p.partition for p in assigned if p.topic == self._topic]
        # Resuming reads MongoDB; a failure here must not break the group's join.
        asyncio.get_running_loop().create_task(self._resume(partitions))

    async def _resume(self, partitions: list[int]) -> None:
        while True:
            try:
                await self._runs.assigned(partitions)
                return
            except Exception:
                _log.exception("resuming the runs of partitions %s failed; retrying", partitions)
                await asyncio.sleep(RETRY_PAUSE_SECONDS)


def subscribe(broker: KafkaBroker, runs: Runs, topic: str, group_id: str) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=Ownership(runs, topic),
    )
    async def handle_command(body: bytes, message: KafkaMessage) -> None:
        command = _parse(body)
        if command is None:
            return
        partition = message.raw_message.partition  # type: ignore[union-attr]
        kind = command.WhichOneof("command") or "unknown"
        try:
            if kind == "created":
                await runs.created(command.created, partition)
            elif kind == "termination_requested":
                await runs.termination_requested(command.termination_requested)
        except Exception:
            metrics.COMMANDS.labels(kind, "retried").inc()
            _log.exception("executor command %s failed; it will be redelivered", kind)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
        metrics.COMMANDS.labels(kind, "handled").inc()


def _parse(body: bytes) -> executions_pb2.ExecutorCommand | None:
    try:
        return executions_pb2.ExecutorCommand.FromString(body)
    except DecodeError:
        metrics.COMMANDS.labels("unreadable", "skipped").inc()
        _log.error(
            "skipped an executor command that is not an ExecutorCommand (%d bytes)", len(body)
        )
        return None

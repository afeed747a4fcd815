"""The executor's Kafka edge: a consumer group on the executor-commands topic. Partitions are
the unit of ownership (``messaging.ownership`` follows the assignments)."""

from __future__ import annotations

import asyncio
import logging

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


def subscribe(broker: KafkaBroker, runs: Runs, topic: str, group_id: str, listener: object) -> None:
    @broker.subscriber(
        topic,
        group_id=group_id,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.NACK_ON_ERROR,
        listener=listener,  # type: ignore[arg-type]
    )
    async def handle_command(body: bytes, message: KafkaMessage) -> None:
        command = _parse(body)
        if command is None:
            return
        partition = message.raw_message.partition  # type: ignore[union-attr]
        kind = command.WhichOneof("command") or "unknown"
        outcome = "handled"
        try:
            if kind == "created" and not await runs.created(command.created, partition):
                outcome = "other_pool"
            elif kind == "termination_requested":
                await runs.termination_requested(command.termination_requested)
        except Exception:
            metrics.COMMANDS.labels(kind, "retried").inc()
            _log.exception("executor command %s failed; it will be redelivered", kind)
            await asyncio.sleep(RETRY_PAUSE_SECONDS)
            raise
        metrics.COMMANDS.labels(kind, outcome).inc()


def _parse(body: bytes) -> executions_pb2.ExecutorCommand | None:
    try:
        return executions_pb2.ExecutorCommand.FromString(body)
    except DecodeError:
        metrics.COMMANDS.labels("unreadable", "skipped").inc()
        _log.error(
            "skipped an executor command that is not an ExecutorCommand (%d bytes)", len(body)
        )
        return None

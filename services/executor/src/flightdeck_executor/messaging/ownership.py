"""Partitions are the unit of ownership: a replica drives the runs of the partitions assigned
to it and, on a rebalance, hands them over (a dead replica's partitions go to the survivors)."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import ConsumerRebalanceListener, TopicPartition

from flightdeck_executor.service.runs import Runs

RETRY_PAUSE_SECONDS = 1.0

_log = logging.getLogger("flightdeck.executor.ownership")


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

"""The feed's side: every terminal workflow change becomes a queued job, once per
(execution, phase) however often the feed delivers it."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_notifications.domain.phase_changes import Change, executions_ended
from flightdeck_notifications.service import metrics
from flightdeck_notifications.service.ports import JobQueue


class Intake:
    def __init__(self, queue: JobQueue) -> None:
        self._queue = queue

    async def follow(self, changes: Sequence[Change]) -> None:
        """Queues the ended executions; raises when the queue cannot be written, so the feed
        redelivers the batch (queueing again is harmless)."""
        ended = executions_ended(changes)
        for end in ended:
            queued = await self._queue.enqueue(end.key, end.execution, end.phase)
            metrics.FEED_RECORDS.labels("queued" if queued else "duplicate").inc()
        metrics.FEED_RECORDS.labels("ignored").inc(len(changes) - len(ended))

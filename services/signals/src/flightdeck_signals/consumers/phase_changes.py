"""Retention's reader of the execution phase feed (the subscription itself, its ack policy and
its handling of unreadable records are flightdeck_platform.phase_feed's): ended executions are
marked in Redis, idempotently, so a redelivered batch is harmless."""

from __future__ import annotations

from prometheus_client import Counter

from flightdeck_platform.phase_feed import FeedRecord, Reader
from flightdeck_signals.domain.phase_changes import ReceivedChange
from flightdeck_signals.service.retention import Retention

FEED_RECORDS = Counter(
    "flightdeck_signals_phase_feed_records_total",
    "Phase feed records the retention consumer handled, by outcome.",
    ["outcome"],  # marked, ignored, unreadable
)


def retention_reader(retention: Retention) -> Reader:
    async def mark_ended_executions(records: list[FeedRecord]) -> None:
        changes = [ReceivedChange(record.change, record.received_at) for record in records]
        marked = await retention.follow_phase_changes(changes)
        FEED_RECORDS.labels("marked").inc(marked)
        FEED_RECORDS.labels("ignored").inc(len(changes) - marked)

    return Reader(
        name="signals retention",
        handle=mark_ended_executions,
        on_unreadable=FEED_RECORDS.labels("unreadable").inc,
        # Retention must hear of every execution that ended while the feed still keeps it.
        start_at="earliest",
    )

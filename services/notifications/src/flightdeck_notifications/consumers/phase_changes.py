"""The notifications' reader of the execution phase feed (the subscription itself, its ack
policy and its handling of unreadable records are flightdeck_platform.phase_feed's): ended
executions are queued in Redis, de-duplicated by (execution, phase), so a redelivered batch
queues nothing twice. Sending happens apart from the feed (service/dispatch.py): a failing
channel never holds it up."""

from __future__ import annotations

from flightdeck_notifications.service import metrics
from flightdeck_notifications.service.intake import Intake
from flightdeck_platform.phase_feed import FeedRecord, Reader


def notifications_reader(intake: Intake) -> Reader:
    async def queue_notifications(records: list[FeedRecord]) -> None:
        await intake.follow([record.change for record in records])

    return Reader(
        name="notifications",
        handle=queue_notifications,
        on_unreadable=metrics.FEED_RECORDS.labels("unreadable").inc,
        # A first deployment must not notify every execution the feed still retains.
        start_at="latest",
    )

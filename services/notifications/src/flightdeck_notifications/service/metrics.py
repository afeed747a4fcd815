"""What operators alert on: notifications that failed or were given up, and a queue that
grows."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

FEED_RECORDS = Counter(
    "flightdeck_notifications_feed_records",
    "Phase feed records handled, by outcome: queued (an ended execution's notifications), "
    "duplicate (already queued: a redelivery), ignored (not a terminal workflow change), "
    "unreadable.",
    ["outcome"],
)
SENT = Counter("flightdeck_notifications_sent", "Notifications delivered, by channel.", ["channel"])
FAILED = Counter(
    "flightdeck_notifications_failed",
    "Failed delivery attempts, by channel (each is retried with backoff).",
    ["channel"],
)
GIVEN_UP = Counter(
    "flightdeck_notifications_given_up",
    "Notifications dead-lettered after delivery.max_attempts failures, by channel.",
    ["channel"],
)
SKIPPED = Counter(
    "flightdeck_notifications_skipped",
    "Notifications not sent because their channel is not configured, by channel.",
    ["channel"],
)
READ_FAILURES = Counter(
    "flightdeck_notifications_execution_read_failures",
    "GetExecution calls that failed (the job is retried with backoff).",
)
PENDING = Gauge(
    "flightdeck_notifications_pending", "Jobs queued: due now, waiting for a retry or leased."
)

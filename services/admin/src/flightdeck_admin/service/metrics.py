"""Prometheus metrics of admin's outbox, served on admin's /metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

OUTBOX_BACKLOG = Gauge(
    "flightdeck_admin_outbox_backlog_messages",
    "Executor commands owed and not yet published (parked ones excluded), as of the relay's "
    "last pass.",
)
OUTBOX_OLDEST_AGE = Gauge(
    "flightdeck_admin_outbox_oldest_pending_age_seconds",
    "Age of the oldest command owed and not yet published, as of the relay's last pass (0 when "
    "none is owed). Growing while Kafka is reachable means the relay is stuck.",
)
OUTBOX_RELAY_FAILURES = Counter(
    "flightdeck_admin_outbox_relay_failures_total",
    "Failed relay deliveries, by kind: transient (Kafka or the object store unreachable; the "
    "pass stops and nothing is counted against the message) or permanent (counted against the "
    "message, which is parked once its attempts are spent).",
    ["kind"],
)
OUTBOX_PARKED = Counter(
    "flightdeck_admin_outbox_parked_total",
    "Commands the relay gave up on after their attempts: kept in the execution's "
    "parked_messages with their error, never published.",
)
OUTBOX_DELIVERED = Counter(
    "flightdeck_admin_outbox_delivered_total",
    "Commands published and cleared from the outbox, by path: request (right after the write) "
    "or relay.",
    ["path"],
)

# Every series exists from the start, so an alert's rate() sees 0 rather than nothing.
for _kind in ("transient", "permanent"):
    OUTBOX_RELAY_FAILURES.labels(_kind)
for _path in ("request", "relay"):
    OUTBOX_DELIVERED.labels(_path)

"""Prometheus metrics of the event pipeline."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_ACCEPTED = Counter(
    "flightdeck_events_accepted_total",
    "Events the gateway acknowledged after the broker stored them.",
    ["kind"],
)
EVENTS_CUT = Counter(
    "flightdeck_events_fields_cut_total",
    "Oversized event fields the gateway truncated or replaced before logging the event.",
    ["field"],
)
EVENTS_PROJECTED = Counter(
    "flightdeck_events_projected_total",
    "Events folded into the projections, by outcome.",
    ["outcome"],  # applied, duplicate, redelivered, dead_lettered
)
DEAD_LETTERS = Counter(
    "flightdeck_events_dead_lettered_total",
    "Events sent to the dead-letter topic, by reason.",
    ["reason"],
)
BATCH_SIZE = Histogram(
    "flightdeck_events_projector_batch_size",
    "Events per projected batch.",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
ACCEPTED_TO_PROJECTED_SECONDS = Histogram(
    "flightdeck_events_accepted_to_projected_seconds",
    "From the gateway's acknowledgement to the projection being written.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
ACKNOWLEDGED_STATE_SEEDED = Counter(
    "flightdeck_events_acknowledged_state_seeded_total",
    "Executions whose acknowledged state the gateway seeded from the projection (first event, "
    "or after the state expired).",
)
BATCH_SECONDS = Histogram(
    "flightdeck_events_projector_batch_seconds",
    "Time to project one batch, retries and dead-lettering included.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BATCH_FAILURES = Counter(
    "flightdeck_events_projector_batch_failures_total",
    "Failed attempts at projecting a batch, by kind: unavailable (a dependency is down; the "
    "batch is redelivered), concurrent_change (folded again), failed (retried, then its events "
    "one by one, dead-lettering those that fail alone).",
    ["kind"],
)

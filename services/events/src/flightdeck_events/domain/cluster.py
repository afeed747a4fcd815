"""Which propeller may report on an execution (admin.md §4.1)."""

from __future__ import annotations

from flightdeck_events.domain.rejections import IncompatibleCluster

DEFAULT_PRODUCER = "propeller"
"""Older propellers hard-code this producer id; it is accepted from anywhere."""


def is_anonymous(producer_id: str) -> bool:
    return not producer_id or producer_id == DEFAULT_PRODUCER


def check_cluster(recorded_cluster: str, producer_id: str) -> None:
    """An event must come from the cluster the execution is recorded on, unless its producer is
    anonymous. The detail names the event's producer, as the reference's check does."""
    if is_anonymous(producer_id) or producer_id == recorded_cluster:
        return
    raise IncompatibleCluster(
        f"cluster/producer {producer_id!r} of the event does not match the execution's "
        f"cluster {recorded_cluster!r}",
        cluster=producer_id,
    )

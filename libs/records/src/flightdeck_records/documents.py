"""Conventions every execution record document follows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

BLOB = "blob"
"""The serialized protobuf record, as the reference returns it."""

ROW_CREATED_AT = "created_at"
ROW_UPDATED_AT = "updated_at"
"""Row insert/update times (the reference's base columns); event times have their own fields."""

APPLIED = "applied"
"""The Kafka position of the last event folded into the record: a redelivered event at or before
it is skipped, which is what makes the projector idempotent."""


@dataclass(frozen=True, order=True)
class EventPosition:
    partition: int
    offset: int

    def as_document(self) -> dict[str, int]:
        return {"partition": self.partition, "offset": self.offset}

    @staticmethod
    def of(document: Mapping[str, Any]) -> EventPosition | None:
        applied = document.get(APPLIED)
        if not applied:
            return None
        return EventPosition(int(applied["partition"]), int(applied["offset"]))

    def already_applied(self, stored: EventPosition | None) -> bool:
        return (
            stored is not None
            and stored.partition == self.partition
            and self.offset <= stored.offset
        )


def moment(timestamp: Timestamp) -> datetime | None:
    """A protobuf timestamp as a BSON-storable datetime (millisecond precision), None if unset."""
    if not timestamp.seconds and not timestamp.nanos:
        return None
    value = timestamp.ToDatetime(tzinfo=UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def seconds(duration: Duration) -> float | None:
    """A protobuf Duration as float seconds (the listing compares durations numerically)."""
    if not duration.seconds and not duration.nanos:
        return None
    return duration.seconds + duration.nanos / 1e9

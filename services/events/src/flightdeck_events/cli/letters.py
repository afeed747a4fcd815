"""Which dead letters a command acts on, and how each is shown to the operator."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import DecodeError

from flightdeck_events.messaging.dead_letters import StoredDeadLetter
from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2


@dataclass(frozen=True)
class Selection:
    """Every filter given must match; several positions match any of them."""

    positions: Collection[str] = ()
    """``partition:offset`` on the dead-letter topic."""
    reason: str | None = None
    """A substring of the reason."""
    execution: str | None = None
    """The execution key, ``project/domain/name``."""

    @property
    def filters(self) -> bool:
        return bool(self.positions) or self.reason is not None or self.execution is not None

    def matches(self, stored: StoredDeadLetter) -> bool:
        return (
            (not self.positions or stored.position in self.positions)
            and (self.reason is None or self.reason in stored.letter.reason)
            and (self.execution is None or execution_of(stored) == self.execution)
        )


def execution_of(stored: StoredDeadLetter) -> str:
    return stored.key.decode(errors="replace")


def event_kind(payload: bytes) -> tuple[str, str]:
    """The event's kind (workflow, node, task) and id, or why there is none."""
    try:
        envelope = events_pb2.EventEnvelope.FromString(payload)
    except DecodeError:
        return "undecodable", ""
    return envelope.WhichOneof("event") or "empty", envelope.event_id


def describe(stored: StoredDeadLetter) -> dict[str, Any]:
    letter = stored.letter
    kind, event_id = event_kind(letter.payload)
    return {
        "partition": stored.partition,
        "offset": stored.offset,
        "rejected_at": letter.rejected_at.ToJsonString() if letter.HasField("rejected_at") else "",
        "source_topic": letter.source_topic,
        "source_partition": letter.source_partition,
        "source_offset": letter.source_offset,
        "execution": execution_of(stored),
        "kind": kind,
        "event_id": event_id,
        "reason": letter.reason,
    }


def line(described: dict[str, Any]) -> str:
    """Tab-separated, so ``cut`` and ``awk`` take it apart."""
    source = ":".join(
        str(described[k]) for k in ("source_topic", "source_partition", "source_offset")
    )
    return "\t".join(
        [
            f"{described['partition']}:{described['offset']}",
            described["rejected_at"] or "-",
            source,
            described["execution"] or "-",
            described["kind"],
            # One letter, one line, whatever the reason holds.
            " ".join(described["reason"].split()),
        ]
    )

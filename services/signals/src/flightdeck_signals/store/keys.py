"""Where a signal lives in Redis: every key of one execution shares a hash tag (the execution's
id), so each script touches one slot, and the execution's keys are known without a scan.

    <prefix>:{<execution>}:types    HASH  signal_id → serialized core.LiteralType
    <prefix>:{<execution>}:values   HASH  signal_id → serialized core.Literal, once set
    <prefix>:{<execution>}:created  ZSET  signal_id scored by creation time, µs since the epoch:
                                          the listing index, ordered as (created_at, signal_id)
    <prefix>:{<execution>}:updated  HASH  signal_id → time of the last change, µs
    <prefix>:{<execution>}:sets     HASH  signal_id → how many times a value was set
    <prefix>:{<execution>}:events   STREAM  one entry {signal_id, set} per set (approx. capped)
    <prefix>:terminal               ZSET  <execution> scored by its terminal time, ms

``<execution>`` is project/domain/name, each part percent-encoded, so no part can fake a
separator or close the hash tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from flyteidl.core import identifier_pb2


@dataclass(frozen=True)
class ExecutionKeys:
    """The keys of one execution's signals."""

    types: str
    values: str
    created: str
    updated: str
    sets: str
    events: str

    @property
    def all(self) -> tuple[str, ...]:
        return (self.types, self.values, self.created, self.updated, self.sets, self.events)


@dataclass(frozen=True)
class SignalKeys:
    prefix: str

    @property
    def terminal(self) -> str:
        return f"{self.prefix}:terminal"

    def tag(self, execution: identifier_pb2.WorkflowExecutionIdentifier) -> str:
        """The execution's name in keys, and its member in the terminal set."""
        parts = (execution.project, execution.domain, execution.name)
        return "/".join(quote(part, safe="") for part in parts)

    def of_tag(self, tag: str) -> ExecutionKeys:
        names = ("types", "values", "created", "updated", "sets", "events")
        return ExecutionKeys(*(f"{self.prefix}:{{{tag}}}:{name}" for name in names))

    def of(self, execution: identifier_pb2.WorkflowExecutionIdentifier) -> ExecutionKeys:
        return self.of_tag(self.tag(execution))

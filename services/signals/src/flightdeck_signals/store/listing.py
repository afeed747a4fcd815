"""ListSignals on Redis. The creation index (a sorted set scored by creation time, ties ordered
by signal id) is exactly the listing's default order, so an unfiltered page in that order is
read straight off the index: O(log n + page), by offset or after the previous page's last id.
Any other listing reads the execution's signals in one MULTI and lets the listing engine
filter, sort and page them (one execution holds few signals).
"""

from __future__ import annotations

from typing import Any, cast

from flyteidl.core import identifier_pb2
from redis.asyncio import Redis
from redis.commands.core import AsyncScript

from flightdeck_listing import ListingPlan, cursor_values, next_token
from flightdeck_signals.store import rows
from flightdeck_signals.store.keys import ExecutionKeys

Page = tuple[list[Any], str]

_INDEX_ORDER = ("created_at", "_id")
_FIELDS_PER_SIGNAL = 5


def follows_index(plan: ListingPlan) -> bool:
    return not plan.conditions and plan.ordering.fields == _INDEX_ORDER


async def indexed_page(
    script: AsyncScript,
    keys: ExecutionKeys,
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    plan: ListingPlan,
) -> Page | None:
    """The page read off the index; None when the previous page's last signal is gone."""
    assert plan.limit is not None  # ListSignals always has a limit
    after = plan.start.after
    start = ["after", cast(str, after[-1])] if after else ["offset", plan.start.offset]
    direction = "asc" if plan.ordering.ascending else "desc"
    reply = await script(
        keys=[keys.created, keys.types, keys.values, keys.updated],
        args=[direction, plan.limit, *start],
    )
    if reply is None:
        return None
    found = [
        _row(execution, *reply[i : i + _FIELDS_PER_SIGNAL])
        for i in range(0, len(reply), _FIELDS_PER_SIGNAL)
    ]
    last = cursor_values(plan, found[-1]) if found else None
    return [row["signal"] for row in found], next_token(plan, len(found), last)


async def scanned_page(
    client: Redis,
    keys: ExecutionKeys,
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    plan: ListingPlan,
) -> Page:
    """Every signal of the execution as of one instant, filtered, sorted and paged in memory."""
    async with client.pipeline(transaction=True) as reads:
        reads.zrange(keys.created, 0, -1, withscores=True)
        reads.hgetall(keys.types)
        reads.hgetall(keys.values)
        reads.hgetall(keys.updated)
        created, types, values, updated = await reads.execute()
    listed = [
        _row(execution, key, score, types[key], values.get(key), updated[key])
        for key, score in created
    ]
    return rows.page(plan, listed)


def _row(
    execution: identifier_pb2.WorkflowExecutionIdentifier,
    signal_id: bytes,
    created: bytes | float,
    stored_type: bytes,
    value: bytes | None,
    updated: bytes,
) -> dict[str, Any]:
    signal = rows.signal_of(execution, signal_id.decode(), stored_type, value)
    return rows.row(signal, rows.from_micros(int(float(created))), rows.from_micros(int(updated)))

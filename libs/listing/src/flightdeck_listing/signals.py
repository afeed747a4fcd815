"""The schema of ListSignals (admin.md §5, §7), kept apart so only the signals service sees it.

Rows it assumes: one per signal of the listed workflow execution, with ``_id`` (the signal id,
unique within the execution), execution_project, execution_domain, execution_name, signal_id: str;
created_at, updated_at: datetime (deleted_at never set). The signal's type and value are
serialized protobuf, so, like closures, they are known columns that cannot be filtered or sorted.

The reference rewrites ``project``/``domain``/``name`` to the ``execution_*`` columns only after
checking the column names, so ``eq(project,x)`` is refused here too.
"""

from __future__ import annotations

from .schema import ListingSchema, columns, string, timestamp, unstored

SIGNAL = columns(
    unstored("id"),  # the SQL surrogate key; rows have none
    timestamp("created_at"),
    timestamp("updated_at"),
    timestamp("deleted_at"),  # never set: nothing is soft-deleted
    string("execution_project"),
    string("execution_domain"),
    string("execution_name"),
    string("signal_id"),
    unstored("type"),
    unstored("value"),
)

SIGNALS = ListingSchema(
    name="signals",
    operation="ListSignals",
    primary="s",
    entities={"s": SIGNAL},
    default_sort=("created_at", True),  # the reference's order is the table's: insertion order
    scope=("execution_project", "execution_domain", "execution_name"),
)

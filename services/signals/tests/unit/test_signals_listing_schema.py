"""The ListSignals schema (flightdeck_listing.signals) under the shared listing engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flyteidl.admin import common_pb2

from flightdeck_listing import plan_listing, select_page
from flightdeck_listing.signals import SIGNALS
from flightdeck_platform import faults

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ROWS = [
    {
        "_id": signal_id,
        "signal_id": signal_id,
        "execution_project": "p",
        "execution_domain": "d",
        "execution_name": "n",
        "created_at": T0 + timedelta(seconds=i),
        "updated_at": T0 + timedelta(seconds=10 - i),
    }
    for i, signal_id in enumerate(["zeta", "alpha", "mid"])
]


def _ids(filters: str = "", sort: common_pb2.Sort | None = None) -> list[Any]:
    page, _ = select_page(plan_listing(SIGNALS, filters, sort, 10, ""), ROWS)
    return [row["_id"] for row in page]


def test_default_order_is_creation_order() -> None:
    assert _ids() == ["zeta", "alpha", "mid"]


def test_sort_by_any_stored_column_descending_by_default() -> None:
    assert _ids(sort=common_pb2.Sort(key="signal_id")) == ["zeta", "mid", "alpha"]
    ascending = common_pb2.Sort(key="updated_at", direction=common_pb2.Sort.ASCENDING)
    assert _ids(sort=ascending) == ["mid", "alpha", "zeta"]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ("eq(signal_id,mid)", ["mid"]),
        ("contains(signal.signal_id,a)", ["zeta", "alpha"]),
        ("eq(execution_name,n)+ne(signal_id,zeta)", ["alpha", "mid"]),
        ("gt(created_at,2024-01-01T00:00:00Z)", ["alpha", "mid"]),
        ("value_in(signal_id,zeta;mid)", ["zeta", "mid"]),
    ],
)
def test_filters_on_signal_columns(filters: str, expected: list[str]) -> None:
    assert _ids(filters) == expected


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ("eq(project,p)", "'s.project' is invalid filter"),  # checked before the rewrite
        ("eq(type,x)", "'s.type' is invalid filter"),
        ("eq(value,x)", "'s.value' is invalid filter"),
        ("eq(execution.execution_name,n)", "'e' entity is not allowed in filters"),
    ],
)
def test_refused_filters_name_the_column(filters: str, message: str) -> None:
    with pytest.raises(faults.InvalidArgument, match=message):
        plan_listing(SIGNALS, filters, None, 10, "")


def test_bad_tokens_name_the_operation() -> None:
    with pytest.raises(faults.InvalidArgument, match="invalid pagination token x for ListSignals"):
        plan_listing(SIGNALS, "", None, 10, "x")
    with pytest.raises(faults.InvalidArgument, match="invalid value for limit"):
        plan_listing(SIGNALS, "", None, 0, "")

"""Filter values are read as their column's kind; a bad value names the column."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flightdeck_listing import Column, Kind
from flightdeck_listing.values import convert
from flightdeck_platform import faults

INTEGER = Column("state", Kind.INTEGER, "state")
TIMESTAMP = Column("created_at", Kind.TIMESTAMP, "created_at")
DURATION = Column("duration", Kind.DURATION, "duration")
PHASE = Column("phase", Kind.ENUM_NAME, "phase", choices=frozenset({"RUNNING", "SUCCEEDED"}))


def bad(column: Column, raw: str) -> str:
    with pytest.raises(faults.InvalidArgument) as raised:
        convert(column, f"e.{column.name}", raw)
    return raised.value.message


def test_strings_are_kept_verbatim() -> None:
    assert convert(Column("name", Kind.STRING, "name"), "t.name", " a%b ") == " a%b "


@pytest.mark.parametrize(("raw", "value"), [("0", 0), ("+3", 3), ("-2", -2), ("007", 7)])
def test_integers(raw: str, value: int) -> None:
    assert convert(INTEGER, "p.state", raw) == value


@pytest.mark.parametrize("raw", ["ACTIVE", "1.5", "", "1_000", "٣", str(2**63)])
def test_bad_integers_name_the_column(raw: str) -> None:
    assert bad(INTEGER, raw) == f"invalid value '{raw}' for filter 'e.state': expected an integer"


def test_enum_names_must_be_values_of_the_enum() -> None:
    assert convert(PHASE, "e.phase", "RUNNING") == "RUNNING"
    assert bad(PHASE, "running") == (
        "invalid value 'running' for filter 'e.phase': expected one of RUNNING, SUCCEEDED"
    )


@pytest.mark.parametrize(
    ("raw", "moment"),
    [
        ("2024-05-06T07:08:09Z", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        ("2024-05-06T07:08:09.123456789Z", datetime(2024, 5, 6, 7, 8, 9, 123456, tzinfo=UTC)),
        ("2024-05-06T09:08:09+02:00", datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)),
        ("2024-05-06 07:08:09.5-01:30", datetime(2024, 5, 6, 8, 38, 9, 500000, tzinfo=UTC)),
    ],
)
def test_timestamps_are_rfc3339_and_normalized_to_utc(raw: str, moment: datetime) -> None:
    value = convert(TIMESTAMP, "t.created_at", raw)
    assert value == moment
    assert isinstance(value, datetime) and value.utcoffset() == timedelta(0)
    assert value.tzinfo is UTC or value.tzinfo == UTC


@pytest.mark.parametrize(
    "raw", ["2024-05-06", "2024-05-06T07:08:09", "2024-13-01T00:00:00Z", "yesterday"]
)
def test_bad_timestamps_name_the_column(raw: str) -> None:
    assert bad(TIMESTAMP, raw) == (
        f"invalid value '{raw}' for filter 'e.created_at': expected an RFC3339 timestamp"
    )


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("90", 90.0),
        ("1.5", 1.5),
        ("-2", -2.0),
        ("1e3", 1000.0),
        ("0", 0.0),
        ("1h30m", 5400.0),
        ("250ms", 0.25),
        ("1.5h", 5400.0),
        ("-1m30s", -90.0),
        ("2us", 2e-6),
        ("3µs", 3e-6),
        ("7ns", 7e-9),
        ("1.s", 1.0),
    ],
)
def test_durations_are_seconds_or_go_duration_strings(raw: str, seconds: float) -> None:
    assert convert(DURATION, "e.duration", raw) == pytest.approx(seconds)


@pytest.mark.parametrize("raw", ["", "1d", "h", ".s", "1h30", "inf", "nan", "1e21", "--1s"])
def test_bad_durations_use_the_reference_message(raw: str) -> None:
    assert bad(DURATION, raw) == f"Failed to parse duration [{raw}]"

"""Filter values, read as the kind of the column they are compared with.

The reference hands most values to PostgreSQL as strings and lets it cast them; a bad value then
fails in the database. Here each value is converted up front and a bad one is an InvalidArgument
naming the column.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

from flightdeck_platform import faults

from .schema import Column, Kind, Scalar

_INTEGER = re.compile(r"[+-]?[0-9]+")
_INT64_LIMIT = 2**63
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?"
    r"(?:[Zz]|([+-])(\d{2}):(\d{2}))",
    re.ASCII,
)
_DURATION_PART = re.compile(r"([0-9]*)(?:\.([0-9]*))?(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "µs": 1e-6,
    "μs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_MAX_DURATION_SECONDS = (2**63 - 1) / 1e9  # Go's time.Duration range


def convert(column: Column, label: str, raw: str) -> Scalar:
    match column.kind:
        case Kind.STRING:
            return raw
        case Kind.INTEGER:
            return _integer(raw, label)
        case Kind.ENUM_NAME:
            return _enum_name(column, raw, label)
        case Kind.TIMESTAMP:
            return _timestamp(raw, label)
        case Kind.DURATION:
            return _duration(raw)
    raise AssertionError(column.kind)


def _invalid(raw: str, label: str, expected: str) -> faults.InvalidArgument:
    return faults.InvalidArgument(
        f"invalid value '{raw}' for filter '{label}': expected {expected}"
    )


def _integer(raw: str, label: str) -> int:
    if _INTEGER.fullmatch(raw) and abs(int(raw)) < _INT64_LIMIT:
        return int(raw)
    raise _invalid(raw, label, "an integer")


def _enum_name(column: Column, raw: str, label: str) -> str:
    if raw in column.choices:
        return raw
    raise _invalid(raw, label, "one of " + ", ".join(sorted(column.choices)))


def _timestamp(raw: str, label: str) -> datetime:
    try:
        return parse_rfc3339(raw)
    except ValueError:
        raise _invalid(raw, label, "an RFC3339 timestamp") from None


def parse_rfc3339(raw: str) -> datetime:
    match = _RFC3339.fullmatch(raw)
    if match is None:
        raise ValueError(raw)
    year, month, day, hour, minute, second, fraction, sign, off_h, off_m = match.groups()
    micros = int((fraction or "0")[:6].ljust(6, "0"))
    zone = UTC
    if sign:
        offset = timedelta(hours=int(off_h), minutes=int(off_m))
        zone = timezone(-offset if sign == "-" else offset)
    parts = (int(year), int(month), int(day), int(hour), int(minute), int(second), micros)
    return datetime(*parts, tzinfo=zone).astimezone(UTC)


def _duration(raw: str) -> float:
    """Seconds, as the reference reads them: a bare number is seconds, anything else a Go
    duration string (``1h30m``, ``250ms``, ``-1.5h``)."""
    try:
        seconds = float(raw) if _NUMBER.fullmatch(raw) else _go_duration(raw)
    except ValueError:
        seconds = None
    if seconds is None or abs(seconds) > _MAX_DURATION_SECONDS:
        raise faults.InvalidArgument(f"Failed to parse duration [{raw}]")
    return seconds


def _go_duration(text: str) -> float:
    sign = -1.0 if text.startswith("-") else 1.0
    body = text[1:] if text[:1] in "+-" else text
    if body == "0":
        return 0.0
    if not body:
        raise ValueError(text)
    total, position = 0.0, 0
    while position < len(body):
        part = _DURATION_PART.match(body, position)
        if part is None or not (part[1] or part[2]):
            raise ValueError(text)
        total += float(f"{part[1] or 0}.{part[2] or 0}") * _DURATION_UNITS[part[3]]
        position = part.end()
    return sign * total

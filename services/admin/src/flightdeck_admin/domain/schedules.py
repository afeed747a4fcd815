"""Launch plan schedules: which kind, and whether a cron string is a standard one."""

from __future__ import annotations

import re

from flyteidl.admin import schedule_pb2

NONE, CRON, RATE = "NONE", "CRON", "RATE"

_DESCRIPTORS = frozenset(
    ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")
)
_MONTHS = "JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC"
_DAYS = "SUN|MON|TUE|WED|THU|FRI|SAT"
_FIELDS = (  # (lowest, highest, names allowed)
    (0, 59, ""),
    (0, 23, ""),
    (1, 31, ""),
    (1, 12, _MONTHS),
    (0, 7, _DAYS),
)


def kind(schedule: schedule_pb2.Schedule) -> str:
    if schedule.HasField("rate"):
        return RATE
    if schedule.cron_expression or schedule.HasField("cron_schedule"):
        return CRON
    return NONE


def is_standard_cron(expression: str) -> bool:
    """Five fields, or one of the @descriptors."""
    text = expression.strip()
    if text.lower() in _DESCRIPTORS:
        return True
    fields = text.split()
    return len(fields) == len(_FIELDS) and all(
        _field_ok(field, *bounds) for field, bounds in zip(fields, _FIELDS, strict=True)
    )


def _field_ok(field: str, low: int, high: int, names: str) -> bool:
    return all(_item_ok(item, low, high, names) for item in field.split(","))


def _item_ok(item: str, low: int, high: int, names: str) -> bool:
    body, _, step = item.partition("/")
    if step and not (step.isdigit() and int(step) > 0):
        return False
    if body in ("*", "?"):
        return True
    start, _, end = body.partition("-")
    return all(_value_ok(v, low, high, names) for v in ((start, end) if end else (start,)))


def _value_ok(value: str, low: int, high: int, names: str) -> bool:
    if value.isdigit():
        return low <= int(value) <= high
    return bool(names) and re.fullmatch(names, value.upper()) is not None

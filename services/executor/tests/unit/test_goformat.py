"""Go text forms used in rendered arguments and error messages."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import pytest

from flightdeck_executor.domain.goformat import go_duration, go_float, go_rfc3339_nano, go_value


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3.14, "3.14"),
        (3.0, "3"),
        (100.0, "100"),
        (123456.0, "123456"),
        (1e6, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (2.5e-7, "2.5e-07"),
        (1e21, "1e+21"),
        (1e100, "1e+100"),
        (-1.5, "-1.5"),
        (0.0, "0"),
        (-0.0, "-0"),
        (math.inf, "+Inf"),
        (-math.inf, "-Inf"),
        (math.nan, "NaN"),
        (1 / 3, "0.3333333333333333"),
    ],
)
def test_go_float(value: float, text: str) -> None:
    assert go_float(value) == text


@pytest.mark.parametrize(
    ("duration", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1), "1h0m0s"),
        (timedelta(hours=2, seconds=3), "2h0m3s"),
        (timedelta(seconds=1.5), "1.5s"),
        (timedelta(milliseconds=500), "500ms"),
        (timedelta(microseconds=1500), "1.5ms"),
        (timedelta(microseconds=3), "3\u00b5s"),
        (timedelta(days=1), "24h0m0s"),
        (-timedelta(seconds=5), "-5s"),
    ],
)
def test_go_duration(duration: timedelta, text: str) -> None:
    assert go_duration(duration) == text


def test_go_rfc3339_nano_trims_the_fraction() -> None:
    assert go_rfc3339_nano(1700000000, 120000000) == "2023-11-14T22:13:20.12Z"
    assert go_rfc3339_nano(1700000000, 1) == "2023-11-14T22:13:20.000000001Z"
    assert go_rfc3339_nano(0, 0) == "1970-01-01T00:00:00Z"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "<nil>"),
        (True, "true"),
        (7, "7"),
        (2.0, "2"),
        ("s", "s"),
        (b"\x01\x02", "[1 2]"),
        ([1, "a", [2]], "[1 a [2]]"),
        ({"b": 1, "a": {"z": None}}, "map[a:map[z:<nil>] b:1]"),
        ({2: "x", 1: "y"}, "map[1:y 2:x]"),
    ],
)
def test_go_value(value: Any, text: str) -> None:
    assert go_value(value) == text

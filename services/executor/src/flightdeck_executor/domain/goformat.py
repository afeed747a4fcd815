"""Go's text forms for values propeller prints into user-visible strings.

Rendered task arguments (``{{.inputs.x}}``) and error messages are read by users and by
flytekit, so they follow what Go's ``fmt`` and ``time`` packages produce rather than Python's
``str``: ``%v`` of a float (``1e+06``), ``time.Duration.String`` (``1m30s``), ``%v`` of a decoded
msgpack value (``map[a:1 b:[1 2]]``) and RFC 3339 with trimmed nanoseconds.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

_NANOS_PER_SECOND = 1_000_000_000
# Below one second Go picks the largest unit that keeps the integer part non-zero.
_SUB_SECOND_UNITS = ((1_000_000, 6, "ms"), (1_000, 3, "\u00b5s"), (1, 0, "ns"))


def go_float(value: float) -> str:
    """``fmt.Sprintf("%v", value)`` for a float64: shortest digits, ``%e`` outside [1e-4, 1e6)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return f"{sign}0"
    digits, point = _shortest_digits(abs(value))
    exponent = point - 1
    # %v is %g at shortest precision, for which strconv switches to %e at exponent 6.
    if exponent < -4 or exponent >= 6:
        return sign + _exponent_form(digits, exponent)
    return sign + _plain_form(digits, point)


def _shortest_digits(value: float) -> tuple[str, int]:
    """The shortest round-tripping digits and the decimal point position (0.DIGITS * 10**point)."""
    parts = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(str(d) for d in parts.digits)
    assert isinstance(parts.exponent, int)
    return digits, len(digits) + parts.exponent


def _exponent_form(digits: str, exponent: int) -> str:
    mantissa = digits[0] + (f".{digits[1:]}" if len(digits) > 1 else "")
    sign = "-" if exponent < 0 else "+"
    return f"{mantissa}e{sign}{abs(exponent):02d}"


def _plain_form(digits: str, point: int) -> str:
    if point <= 0:
        return "0." + "0" * -point + digits
    if point >= len(digits):
        return digits + "0" * (point - len(digits))
    return f"{digits[:point]}.{digits[point:]}"


def go_duration(duration: timedelta) -> str:
    """``time.Duration.String()``: ``1h2m3.5s``, ``1m30s``, ``500ms``, ``0s``."""
    nanos = (duration // timedelta(microseconds=1)) * 1_000
    sign = "-" if nanos < 0 else ""
    nanos = abs(nanos)
    if nanos == 0:
        return "0s"
    if nanos < _NANOS_PER_SECOND:
        return sign + _sub_second(nanos)
    seconds, fraction = divmod(nanos, _NANOS_PER_SECOND)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{seconds}{_fraction(fraction, 9)}s"
    if hours:
        return f"{sign}{hours}h{minutes}m{text}"
    if minutes:
        return f"{sign}{minutes}m{text}"
    return sign + text


def _sub_second(nanos: int) -> str:
    for size, precision, unit in _SUB_SECOND_UNITS:
        if nanos >= size:
            whole, rest = divmod(nanos, size)
            return f"{whole}{_fraction(rest, precision)}{unit}"
    raise AssertionError("unreachable: nanos is positive")


def _fraction(rest: int, precision: int) -> str:
    if precision == 0 or rest == 0:
        return ""
    return "." + f"{rest:0{precision}d}".rstrip("0")


def go_rfc3339_nano(seconds: int, nanos: int) -> str:
    """``time.RFC3339Nano`` in UTC: fractional seconds without trailing zeros, ``Z`` suffix."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)
    fraction = _fraction(nanos, 9)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def go_value(value: Any) -> str:
    """``fmt.Sprintf("%v", v)`` of a value decoded from msgpack into Go's ``any``."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, bytes | bytearray):
        return "[" + " ".join(str(b) for b in value) + "]"
    if isinstance(value, list | tuple):
        return "[" + " ".join(go_value(item) for item in value) + "]"
    if isinstance(value, dict):
        # fmt prints maps with their keys sorted.
        items = sorted(value.items(), key=lambda item: _map_key_order(item[0]))
        return "map[" + " ".join(f"{go_value(k)}:{go_value(v)}" for k, v in items) + "]"
    return str(value)


def _map_key_order(key: Any) -> tuple[str, Any]:
    if isinstance(key, int | float) and not isinstance(key, bool):
        return ("number", key)
    return (type(key).__name__, str(key))

"""The hash propeller uses for cache keys (spec/executor.md §6): a message rendered as proto-JSON
(camelCase names, defaults omitted, as Go's jsonpb writes it), read back as plain JSON values
and hashed with Ben Laurie's objecthash (flytestdlib ``pbhash.ComputeHash``).

Go reads every JSON number as a float64, so integers here hash as floats too; 64-bit integers
stay strings because proto-JSON writes them as strings."""

from __future__ import annotations

import hashlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

_MAX_FLOAT_DIGITS = 1000


def message_hash(message: Message) -> bytes:
    """32 bytes, equal for equal messages whatever their map order."""
    return object_hash(json_format.MessageToDict(message))


def object_hash(value: Any) -> bytes:
    if isinstance(value, bool):
        return _tagged(b"b", b"1" if value else b"0")
    if isinstance(value, int | float):
        return _tagged(b"f", _normalized_float(float(value)).encode())
    if isinstance(value, str):
        return _tagged(b"u", value.encode())
    if value is None:
        return _tagged(b"n", b"")
    if isinstance(value, list):
        return _tagged(b"l", b"".join(object_hash(item) for item in value))
    if isinstance(value, dict):
        pairs = sorted(object_hash(k) + object_hash(v) for k, v in value.items())
        return _tagged(b"d", b"".join(pairs))
    raise TypeError(f"objecthash cannot hash a {type(value).__name__}")


def _tagged(tag: bytes, data: bytes) -> bytes:
    return hashlib.sha256(tag + data).digest()


def _normalized_float(value: float) -> str:
    """objecthash's float form: sign, binary exponent, then the mantissa's bits."""
    if value == 0:
        return "+0:"
    sign = "-" if value < 0 else "+"
    mantissa, exponent = abs(value), 0
    while mantissa > 1:
        mantissa /= 2
        exponent += 1
    while mantissa <= 0.5:
        mantissa *= 2
        exponent -= 1
    text = f"{sign}{exponent}:"
    while mantissa != 0:
        if mantissa >= 1:
            text += "1"
            mantissa -= 1
        else:
            text += "0"
        if len(text) >= _MAX_FLOAT_DIGITS:
            raise ValueError(f"objecthash cannot normalize {value}")
        mantissa *= 2
    return text

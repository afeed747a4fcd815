"""Page tokens.

Two forms are read:

* a decimal offset, the reference's only form (flytectl computes these from page numbers);
* a keyset cursor, the only form written: ``base64url(JSON)`` without padding, holding the listing,
  the sort key and direction it was made under, and the last row's values of every ordering
  field (typed, so dates and ObjectIds survive JSON). Resuming from it costs the same on page
  1,000 as on page 1. A cursor used with another listing or another sort is rejected.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from flightdeck_platform import faults

from .schema import ListingSchema, Scalar
from .sorting import Ordering

_OFFSET = re.compile(r"[+-]?[0-9]+")
_INT64_MAX = 2**63 - 1
_HEX_ID = re.compile(r"[0-9a-f]{24}")
_VERSION = 1


@dataclass(frozen=True)
class HexId:
    """An ObjectId, by its hex digits: the domain holds no driver types."""

    hex: str


CursorValue = Scalar | HexId


@dataclass(frozen=True)
class Start:
    """Where a page starts: after ``offset`` rows, after the row at ``after``, or both unset."""

    offset: int = 0
    after: tuple[CursorValue, ...] | None = None


def read_token(schema: ListingSchema, ordering: Ordering, token: str) -> Start:
    if not token:
        return Start()
    if _OFFSET.fullmatch(token):
        return Start(offset=_offset(schema, token))
    try:
        return Start(after=_decode_cursor(schema, ordering, token))
    except (ValueError, TypeError, KeyError, binascii.Error):
        raise invalid_token(schema, token) from None


def cursor_token(schema: ListingSchema, ordering: Ordering, values: tuple[CursorValue, ...]) -> str:
    body = {
        "v": _VERSION,
        "l": schema.name,
        "k": ordering.key,
        "a": ordering.ascending,
        "c": [_encode(value) for value in values],
    }
    raw = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def invalid_token(schema: ListingSchema, token: str) -> faults.InvalidArgument:
    suffix = f" for {schema.operation}" if schema.operation else ""
    return faults.InvalidArgument(f"invalid pagination token {token}{suffix}")


def _offset(schema: ListingSchema, token: str) -> int:
    offset = int(token)
    if offset < 0 or offset > _INT64_MAX:
        raise invalid_token(schema, token)
    return offset


def _decode_cursor(
    schema: ListingSchema, ordering: Ordering, token: str
) -> tuple[CursorValue, ...]:
    padded = token + "=" * (-len(token) % 4)
    body = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode())
    binding = (_VERSION, schema.name, ordering.key, ordering.ascending)
    if (body["v"], body["l"], body["k"], body["a"]) != binding:
        raise ValueError("cursor made for another listing or order")
    values = tuple(_decode(item) for item in body["c"])
    if len(values) != len(ordering.fields):
        raise ValueError("cursor does not match the ordering")
    return values


def _encode(value: CursorValue) -> list[Any]:
    if value is None:
        return ["n"]
    if isinstance(value, HexId):
        return ["o", value.hex]
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return ["t", aware.astimezone(UTC).isoformat()]
    for kind, tag in _TAGS.items():
        if isinstance(value, kind):
            return [tag, kind(value)]
    raise TypeError(f"cannot resume a page after a {type(value).__name__} value")


_TAGS: dict[type, str] = {str: "s", bool: "b", int: "i", float: "f"}
_TYPES: dict[str, type] = {tag: kind for kind, tag in _TAGS.items()}


def _decode(item: Any) -> CursorValue:
    if not isinstance(item, list) or not item or not isinstance(item[0], str):
        raise ValueError("malformed cursor value")
    tag, payload = item[0], item[1:]
    if tag == "n" and not payload:
        return None
    (value,) = payload
    return _typed(tag, value)


def _typed(tag: str, value: Any) -> CursorValue:
    if tag == "o" and isinstance(value, str) and _HEX_ID.fullmatch(value):
        return HexId(value)
    if tag == "t" and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    if type(value) is not _TYPES[tag]:
        raise ValueError("cursor value of the wrong type")
    return cast(CursorValue, value)

"""Parsing one string (a path segment or a query value) into a value for one proto field.

Accepted forms follow grpc-gateway: Go ``strconv`` spellings for bools and numbers, enums by
name or by number, bytes as standard or URL-safe base64, and a few well-known types from their
JSON string forms (Timestamp RFC 3339, Duration ``"1.5s"``, wrappers, FieldMask, Struct).
Every failure is a ``ValueError`` whose message says what was wrong with the value.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass

_INTEGER = re.compile(r"[+-]?[0-9]+")
_BOOLS = {
    **dict.fromkeys(("1", "t", "T", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "F", "false", "FALSE", "False"), False),
}
_WRAPPERS = frozenset(
    f"google.protobuf.{name}Value"
    for name in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
)
_JSON_MESSAGES = frozenset(
    ("google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue")
)


def parse(field: FieldDescriptor, text: str) -> object:
    """A value to assign to ``field`` (a ``Message`` for message fields)."""
    if field.message_type is not None:
        return _message(field.message_type, text)
    if field.enum_type is not None:
        return _enum(field.enum_type, text)
    return _SCALARS[field.type](text)


def _integer(bits: int, signed: bool) -> Callable[[str], int]:
    low, high = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)

    def convert(text: str) -> int:
        if not _INTEGER.fullmatch(text):
            raise ValueError(f"{text!r} is not an integer")
        number = int(text)
        if not low <= number <= high:
            raise ValueError(f"{text!r} is out of range")
        return number

    return convert


def _float(text: str) -> float:
    # float() also accepts surrounding blanks and "1_000"; the wire forms do not.
    if text != text.strip() or "_" in text:
        raise ValueError(f"{text!r} is not a number")
    try:
        return float(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None


def _bool(text: str) -> bool:
    if text not in _BOOLS:
        raise ValueError(f"{text!r} is not a boolean")
    return _BOOLS[text]


def _bytes(text: str) -> bytes:
    padded = text + "=" * (-len(text) % 4)
    url_safe = "-" in text or "_" in text
    try:
        return base64.b64decode(padded, altchars=b"-_" if url_safe else None, validate=True)
    except binascii.Error:
        raise ValueError(f"{text!r} is not base64") from None


def _enum(enum: EnumDescriptor, text: str) -> int:
    value = enum.values_by_name.get(text)
    if value is None and _INTEGER.fullmatch(text):
        value = enum.values_by_number.get(int(text))
    if value is None:
        raise ValueError(f"{text!r} is not a valid {enum.full_name}")
    return int(value.number)


def _message(descriptor: Descriptor, text: str) -> Message:
    message = GetMessageClass(descriptor)()
    name = descriptor.full_name
    if name in _WRAPPERS:
        message.value = parse(descriptor.fields_by_name["value"], text)  # type: ignore[attr-defined]
    elif name in ("google.protobuf.Timestamp", "google.protobuf.Duration"):
        message.FromJsonString(text)  # type: ignore[attr-defined]
    elif name == "google.protobuf.FieldMask":
        message.paths.extend(p for p in text.split(",") if p)  # type: ignore[attr-defined]
    elif name in _JSON_MESSAGES:
        _parse_json(text, message)
    else:
        raise ValueError(f"a {name} cannot be given as a single value")
    return message


def _parse_json(text: str, message: Message) -> None:
    try:
        json_format.Parse(text, message)
    except json_format.ParseError as e:
        raise ValueError(str(e)) from None


_SCALARS: dict[int, Callable[[str], object]] = {
    FieldDescriptor.TYPE_STRING: str,
    FieldDescriptor.TYPE_BYTES: _bytes,
    FieldDescriptor.TYPE_BOOL: _bool,
    FieldDescriptor.TYPE_FLOAT: _float,
    FieldDescriptor.TYPE_DOUBLE: _float,
    FieldDescriptor.TYPE_INT32: _integer(32, signed=True),
    FieldDescriptor.TYPE_SINT32: _integer(32, signed=True),
    FieldDescriptor.TYPE_SFIXED32: _integer(32, signed=True),
    FieldDescriptor.TYPE_INT64: _integer(64, signed=True),
    FieldDescriptor.TYPE_SINT64: _integer(64, signed=True),
    FieldDescriptor.TYPE_SFIXED64: _integer(64, signed=True),
    FieldDescriptor.TYPE_UINT32: _integer(32, signed=False),
    FieldDescriptor.TYPE_FIXED32: _integer(32, signed=False),
    FieldDescriptor.TYPE_UINT64: _integer(64, signed=False),
    FieldDescriptor.TYPE_FIXED64: _integer(64, signed=False),
}

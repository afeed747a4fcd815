"""Body codecs and content negotiation.

Two codecs, as flyteadmin registers them with grpc-gateway: proto JSON (the default) and binary
protobuf for ``application/octet-stream``, which Flyte's web console uses for every call. JSON
answers are what flyteadmin v1.16.8 sends (measured): lowerCamelCase JSON names, unpopulated
fields emitted, enums as names. Requests are accepted with JSON names or proto field names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from google.protobuf import json_format
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import DecodeError, Message

JSON_TYPE = "application/json"
BINARY_TYPE = "application/octet-stream"
_BINARY_TYPES = frozenset((BINARY_TYPE, "application/x-protobuf"))


class BodyError(ValueError):
    """A request body that cannot be decoded into the request message."""


@dataclass(frozen=True)
class JsonCodec:
    content_type: str = JSON_TYPE

    def decode(self, data: bytes, message: Message, field: FieldDescriptor | None) -> None:
        """Merge ``data`` into ``message`` (or into its ``field`` when given)."""
        if not data.strip():
            return
        try:
            parsed = json.loads(data)
        except ValueError as e:
            raise BodyError(str(e)) from None
        if field is None and not isinstance(parsed, dict):
            raise BodyError("a request body must be a JSON object")
        try:
            json_format.ParseDict(parsed if field is None else {field.name: parsed}, message)
        except json_format.ParseError as e:
            raise BodyError(str(e)) from None

    def encode(self, message: Message, field: FieldDescriptor | None = None) -> bytes:
        rendered = _to_dict(message)
        value = rendered if field is None else rendered.get(field.json_name)
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


@dataclass(frozen=True)
class BinaryCodec:
    content_type: str = BINARY_TYPE

    def decode(self, data: bytes, message: Message, field: FieldDescriptor | None) -> None:
        target = message if field is None else _submessage(message, field)
        try:
            target.MergeFromString(data)
        except DecodeError as e:
            raise BodyError(str(e)) from None

    def encode(self, message: Message, field: FieldDescriptor | None = None) -> bytes:
        target = message if field is None else _submessage(message, field)
        return target.SerializeToString()


Codec = JsonCodec | BinaryCodec
JSON = JsonCodec()
BINARY = BinaryCodec()


def negotiate(content_type: str | None, accept: str | None) -> tuple[Codec, Codec]:
    """(inbound, outbound) codecs; with no usable ``Accept``, answer in the request's format."""
    inbound = BINARY if _media_type(content_type or "") in _BINARY_TYPES else JSON
    return inbound, _from_accept(accept or "") or inbound


def _from_accept(accept: str) -> Codec | None:
    offered = {_media_type(item) for item in accept.split(",")}
    if offered & _BINARY_TYPES:
        return BINARY
    return JSON if JSON_TYPE in offered else None


def _media_type(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def _to_dict(message: Message) -> dict[str, object]:
    rendered = json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
    _add_unset_messages(message, rendered)
    return rendered


def _add_unset_messages(message: Message, rendered: dict[str, object]) -> None:
    """Unset message fields as ``null``: Go's protojson with EmitUnpopulated (what flyteadmin
    answers) writes them, Python's json_format leaves them out. Oneof members stay out in both."""
    for field in message.DESCRIPTOR.fields:
        kind = field.message_type
        if kind is None or field.containing_oneof is not None:
            continue
        name = field.json_name
        if kind.full_name.startswith("google.protobuf."):
            rendered.setdefault(name, None)
        elif kind.GetOptions().map_entry:
            entries = getattr(message, field.name)
            _add_unset_in_values(kind, entries, rendered.get(name))  # type: ignore[arg-type]
        elif field.is_repeated:
            _add_unset_in_elements(getattr(message, field.name), rendered.get(name))
        elif not message.HasField(field.name):
            rendered[name] = None
        else:
            _add_unset_messages(getattr(message, field.name), rendered[name])  # type: ignore[arg-type]


def _add_unset_in_elements(elements: object, rendered: object) -> None:
    if isinstance(rendered, list):
        for element, shown in zip(elements, rendered, strict=True):  # type: ignore[call-overload]
            _add_unset_messages(element, shown)


def _add_unset_in_values(entry: Descriptor, entries: object, rendered: object) -> None:
    """Message values of a map field, whose JSON keys are strings whatever the key type."""
    value_type = entry.fields_by_name["value"].message_type
    if value_type is None or value_type.full_name.startswith("google.protobuf."):
        return
    if isinstance(rendered, dict):
        key_type = entry.fields_by_name["key"].type
        for key, shown in rendered.items():
            _add_unset_messages(entries[_map_key(key_type, key)], shown)  # type: ignore[index]


def _map_key(key_type: int, shown: str) -> object:
    if key_type == FieldDescriptor.TYPE_BOOL:
        return shown == "true"
    if key_type == FieldDescriptor.TYPE_STRING:
        return shown
    return int(shown)


def _submessage(message: Message, field: FieldDescriptor) -> Message:
    if field.type != FieldDescriptor.TYPE_MESSAGE or field.is_repeated:
        raise BodyError(f"field {field.name!r} is not a message; it cannot be sent as protobuf")
    sub: Message = getattr(message, field.name)
    return sub

"""Text forms of Flyte messages for error messages.

``compact_text`` mirrors the single-line proto text Go prints into compiler and admin errors
(``collection_type:{simple:INTEGER}``); clients show these strings to users, so we keep the
familiar shape. ``type_name`` is the shorter, human-readable form (``List[INTEGER]``).
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import types_pb2
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message


def compact_text(message: Message) -> str:
    """One-line proto text, fields in number order, map entries sorted by key."""
    parts: list[str] = []
    for field, value in message.ListFields():
        if _is_map(field):
            parts.extend(_map_entry(field, key, value[key]) for key in sorted(value))
        elif field.is_repeated:
            parts.extend(_field_text(field, item) for item in value)
        else:
            parts.append(_field_text(field, value))
    return " ".join(parts)


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _map_entry(field: FieldDescriptor, key: Any, value: Any) -> str:
    entry = field.message_type
    assert entry is not None  # map fields always have an entry message
    key_field, value_field = entry.fields_by_name["key"], entry.fields_by_name["value"]
    inner = f"{_field_text(key_field, key)} {_field_text(value_field, value)}"
    return f"{field.name}:{{{inner}}}"


def _field_text(field: FieldDescriptor, value: Any) -> str:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return f"{field.name}:{{{compact_text(value)}}}"
    return f"{field.name}:{_scalar_text(field, value)}"


def _scalar_text(field: FieldDescriptor, value: Any) -> str:
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        named = field.enum_type.values_by_number.get(value)
        return named.name if named is not None else str(value)
    if field.type == FieldDescriptor.TYPE_STRING:
        return _quote(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return _quote(value.decode("utf-8", errors="backslashreplace"))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


def _quote(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n").replace("\t", "\\t") + '"'


def _float_text(value: float) -> str:
    # Go prints floats in their shortest form without a trailing ".0".
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def type_name(literal_type: types_pb2.LiteralType) -> str:
    """A readable name such as ``List[INTEGER]`` or ``Union[INTEGER, NONE]``."""
    kind = literal_type.WhichOneof("type")
    if kind is None:
        return "<unset>"
    if kind == "simple":
        return str(types_pb2.SimpleType.Name(literal_type.simple))
    if kind == "collection_type":
        return f"List[{type_name(literal_type.collection_type)}]"
    if kind == "map_value_type":
        return f"Dict[str, {type_name(literal_type.map_value_type)}]"
    if kind == "union_type":
        return f"Union[{', '.join(type_name(v) for v in literal_type.union_type.variants)}]"
    if kind == "enum_type":
        return f"Enum[{', '.join(literal_type.enum_type.values)}]"
    return _formatted_name(literal_type, kind)


def _formatted_name(literal_type: types_pb2.LiteralType, kind: str) -> str:
    if kind == "blob":
        return _with_format("Blob", literal_type.blob.format)
    if kind == "structured_dataset_type":
        return _with_format("StructuredDataset", literal_type.structured_dataset_type.format)
    return "Schema"


def _with_format(name: str, fmt: str) -> str:
    return f"{name}[{fmt}]" if fmt else name

"""Promise attribute paths: ``o0.a["b"][0]`` on an upstream output (spec §4).

The walk goes through literal maps (string keys) and collections (int indexes) first; at a
scalar it continues inside the value: a msgpack binary (flytekit 1.16 dataclasses and dicts) is
decoded, walked and re-encoded, a ``generic`` Struct (older dataclasses) is walked and turned back
into literals. The result shapes follow propeller, because flytekit reads them that way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgpack
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2

from flightdeck_executor.domain.literal_text import MSGPACK_TAG

_INT64_MAX = 2**63 - 1


class AttributeNotResolved(ValueError):
    """The path names a key or index the value does not have, or cannot be walked."""


def resolve_attr_path(
    literal: literals_pb2.Literal, path: Sequence[types_pb2.PromiseAttribute]
) -> literals_pb2.Literal:
    current, consumed = _walk_literals(literal, path)
    rest = path[consumed:]
    kind = current.scalar.WhichOneof("value") if current.HasField("scalar") else None
    if kind == "binary":
        return _resolve_in_binary(current.scalar.binary, rest)
    if kind == "generic":
        return _to_literal(_walk(_from_struct(current.scalar.generic), rest))
    if current.HasField("offloaded_metadata"):
        raise AttributeNotResolved("unexpected offloaded metadata type")
    if rest:
        # Go silently returns the value here; naming the bad step helps more.
        raise AttributeNotResolved(
            f"cannot resolve [{_attr_text(rest[0])}] in a non-container value"
        )
    return current


def _walk_literals(
    literal: literals_pb2.Literal, path: Sequence[types_pb2.PromiseAttribute]
) -> tuple[literals_pb2.Literal, int]:
    current = literal
    for consumed, attr in enumerate(path):
        kind = current.WhichOneof("value")
        if kind == "map":
            current = _map_item(current.map.literals, attr)
        elif kind == "collection":
            current = _list_item(current.collection.literals, attr)
        else:
            return current, consumed
    return current, len(path)


def _resolve_in_binary(
    binary: literals_pb2.Binary, path: Sequence[types_pb2.PromiseAttribute]
) -> literals_pb2.Literal:
    if binary.tag != MSGPACK_TAG:
        raise AttributeNotResolved(
            f"Unsupported format '{binary.tag}' found for literal value.\n"
            "Please ensure the serialization format is supported."
        )
    try:
        value = msgpack.unpackb(binary.value, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise AttributeNotResolved(f"failed to decode msgpack value: {exc}") from exc
    return _msgpack_literal(_walk(value, path))


def _walk(value: Any, path: Sequence[types_pb2.PromiseAttribute]) -> Any:
    for attr in path:
        if isinstance(value, dict):
            value = _map_item(value, attr)
        elif isinstance(value, list):
            value = _list_item(value, attr)
        else:
            raise AttributeNotResolved(
                f"unexpected type [{type(value).__name__}] for value {value}"
            )
    return value


def _map_item(mapping: Any, attr: types_pb2.PromiseAttribute) -> Any:
    if attr.WhichOneof("value") != "string_value":
        raise AttributeNotResolved(f"unexpected attribute type for value {_attr_text(attr)}")
    if attr.string_value not in mapping:
        keys = sorted(str(key) for key in mapping)
        raise AttributeNotResolved(f"key [{attr.string_value}] does not exist in literal {keys}")
    return mapping[attr.string_value]


def _list_item(items: Any, attr: types_pb2.PromiseAttribute) -> Any:
    if attr.WhichOneof("value") != "int_value":
        raise AttributeNotResolved(f"unexpected attribute type for value {_attr_text(attr)}")
    index = attr.int_value
    if not 0 <= index < len(items):
        raise AttributeNotResolved(f"index [{index}] is out of range of {len(items)} items")
    return items[index]


def _attr_text(attr: types_pb2.PromiseAttribute) -> str:
    return str(getattr(attr, attr.WhichOneof("value") or "string_value"))


def _msgpack_literal(value: Any) -> literals_pb2.Literal:
    # A list becomes a collection of encoded items so that an array node can map over it.
    if isinstance(value, list):
        items = [_binary(msgpack.packb(item)) for item in value]
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))
    if isinstance(value, str | int | float):
        return _primitive_literal(value)
    return _binary(msgpack.packb(value))


def _binary(data: bytes) -> literals_pb2.Literal:
    binary = literals_pb2.Binary(value=data, tag=MSGPACK_TAG)
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(binary=binary))


def _primitive_literal(value: str | int | float) -> literals_pb2.Literal:
    if isinstance(value, bool):
        primitive = literals_pb2.Primitive(boolean=value)
    elif isinstance(value, int):
        if value > _INT64_MAX:
            raise AttributeNotResolved("uint64 value is too large to be converted to int64")
        primitive = literals_pb2.Primitive(integer=value)
    elif isinstance(value, float):
        primitive = literals_pb2.Primitive(float_value=value)
    else:
        primitive = literals_pb2.Primitive(string_value=value)
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=primitive))


def _from_struct(struct: struct_pb2.Struct) -> dict[str, Any]:
    return {key: _from_value(value) for key, value in struct.fields.items()}


def _from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _from_struct(value.struct_value)
    if kind == "list_value":
        return [_from_value(item) for item in value.list_value.values]
    if kind in ("number_value", "string_value", "bool_value"):
        return getattr(value, kind)
    return None


def _to_literal(value: Any) -> literals_pb2.Literal:
    """A walked Struct value as propeller returns it: JSON numbers stay floats."""
    if isinstance(value, dict):
        generic = struct_pb2.Struct()
        generic.update(value)
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(generic=generic))
    if isinstance(value, list):
        items = [_to_literal(item) for item in value]
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))
    if value is None:
        return literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))
    return _primitive_literal(value)

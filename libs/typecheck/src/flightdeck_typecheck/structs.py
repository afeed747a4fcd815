"""STRUCT → STRUCT castability through the JSON schemas flytekit attaches to dataclasses (§5.2).

A value may flow when both schemas are equal, or when the upstream schema describes a subtype of
the downstream one: a child dataclass with extra fields may go where its parent is expected, not
the reverse. Keywords we do not model are treated as compatible, as Go's comparison ignores the
findings it does not implement.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import types_pb2

Schema = dict[str, Any]


def struct_castable(upstream: types_pb2.LiteralType, downstream: types_pb2.LiteralType) -> bool:
    if not upstream.HasField("metadata") or not downstream.HasField("metadata"):
        return True
    up, down = _plain_struct(upstream.metadata), _plain_struct(downstream.metadata)
    return up == down or _SubtypeCheck(up, down).fits(up, down)


class _SubtypeCheck:
    """Compares two schema documents, resolving local ``$ref`` pointers against each root."""

    def __init__(self, up_root: Schema, down_root: Schema) -> None:
        self._up_root = up_root
        self._down_root = down_root

    def fits(self, up: Schema, down: Schema) -> bool:
        up, down = _resolve(up, self._up_root), _resolve(down, self._down_root)
        if "anyOf" in up:
            return all(self.fits(branch, down) for branch in up["anyOf"])
        if "anyOf" in down:
            return any(self.fits(up, branch) for branch in down["anyOf"])
        if not _types_fit(up.get("type"), down.get("type")) or not _enum_fits(up, down):
            return False
        if down.get("type") == "object":
            return self._object_fits(up, down)
        if down.get("type") == "array" and "items" in down:
            return self.fits(up.get("items", {}), down["items"])
        return True

    def _object_fits(self, up: Schema, down: Schema) -> bool:
        if not set(down.get("required", [])) <= set(up.get("required", [])):
            return False
        up_props, down_props = up.get("properties", {}), down.get("properties", {})
        return all(
            self.fits(up_props[name], schema)
            for name, schema in down_props.items()
            if name in up_props
        )


def _plain_struct(struct: Any) -> Schema:
    return {key: _plain(value) for key, value in struct.fields.items()}


def _plain(value: Any) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "struct_value":
        return _plain_struct(value.struct_value)
    if kind == "list_value":
        return [_plain(item) for item in value.list_value.values]
    if kind in (None, "null_value"):
        return None
    return getattr(value, kind)


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if not isinstance(ref, str) or not ref.startswith("#/"):
        return schema
    target: Any = root
    for part in ref[2:].split("/"):
        target = target.get(part, {}) if isinstance(target, dict) else {}
    return target if isinstance(target, dict) else {}


def _types_fit(up_type: Any, down_type: Any) -> bool:
    if down_type is None or up_type == down_type:
        return True
    # Every JSON integer is also a JSON number.
    return up_type == "integer" and down_type == "number"


def _enum_fits(up: Schema, down: Schema) -> bool:
    if "enum" not in down:
        return True
    return "enum" in up and all(value in down["enum"] for value in up["enum"])

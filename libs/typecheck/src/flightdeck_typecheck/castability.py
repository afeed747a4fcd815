"""Whether a value of one Flyte type may flow into a slot of another (compiler spec §5.1-5.2).

The rule is picked by the *downstream* type. The asymmetries are deliberate and observable:
INTEGER does not widen to FLOAT, blob dimensionality is ignored, and only structured datasets
accept ``None``.
"""

from __future__ import annotations

from collections.abc import Callable

from flyteidl.core import types_pb2
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_typecheck import datasets, structs

_NONE = types_pb2.NONE
_STRING = types_pb2.STRING
_STRUCT = types_pb2.STRUCT


def castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    """True when a value typed ``upstream`` may be bound to an input typed ``downstream``."""
    if _single_variant_fits(upstream, downstream):
        return True
    rule = _RULES.get(downstream.WhichOneof("type") or "", _simple_castable)
    return rule(upstream, downstream)


def _single_variant_fits(upstream: LiteralType, downstream: LiteralType) -> bool:
    # A literal wrapped as a one-variant union (how flytekit sends Optional values) counts
    # as its variant.
    if upstream.WhichOneof("type") != "union_type":
        return False
    variants = upstream.union_type.variants
    return len(variants) == 1 and castable(variants[0], downstream)


def is_none_type(literal_type: LiteralType) -> bool:
    return literal_type.WhichOneof("type") == "simple" and literal_type.simple == _NONE


def _collection_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    if upstream.WhichOneof("type") != "collection_type":
        return False
    element = upstream.collection_type
    # An empty list literal infers as a collection of NONE and fits any list.
    return is_none_type(element) or castable(element, downstream.collection_type)


def _map_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    if upstream.WhichOneof("type") != "map_value_type":
        return False
    value = upstream.map_value_type
    return is_none_type(value) or castable(value, downstream.map_value_type)


def _blob_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    if upstream.WhichOneof("type") != "blob":
        return False
    up_format, down_format = upstream.blob.format, downstream.blob.format
    return up_format == down_format or not up_format or not down_format


def _union_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    targets = downstream.union_type.variants
    if upstream.WhichOneof("type") == "union_type":
        return all(
            any(castable(variant, target) for target in targets)
            for variant in upstream.union_type.variants
        )
    # A plain value must pick exactly one variant; two matches are ambiguous.
    return sum(1 for target in targets if castable(upstream, target)) == 1


def _simple_rule(upstream: LiteralType, downstream: LiteralType) -> bool:
    if is_none_type(downstream):
        return is_none_type(upstream)
    return _simple_castable(upstream, downstream)


def _simple_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    up_kind, down_kind = upstream.WhichOneof("type"), downstream.WhichOneof("type")
    if _is_enum_string_pair(upstream, up_kind, downstream, down_kind):
        return True
    if upstream.structure.tag and upstream.structure.tag != downstream.structure.tag:
        return False
    if _is_struct(upstream, up_kind) and _is_struct(downstream, down_kind):
        return structs.struct_castable(upstream, downstream)
    return _stripped(upstream) == _stripped(downstream)


def _is_enum_string_pair(
    upstream: LiteralType, up_kind: str | None, downstream: LiteralType, down_kind: str | None
) -> bool:
    if up_kind == "enum_type" and down_kind == "simple":
        return downstream.simple == _STRING
    return down_kind == "enum_type" and up_kind == "simple" and upstream.simple == _STRING


def _is_struct(literal_type: LiteralType, kind: str | None) -> bool:
    return kind == "simple" and literal_type.simple == _STRUCT


def _stripped(literal_type: LiteralType) -> LiteralType:
    # Documentation-ish fields do not take part in the final equality check.
    copy = LiteralType()
    copy.CopyFrom(literal_type)
    for field in ("metadata", "annotation", "structure"):
        copy.ClearField(field)
    return copy


def _schema_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    return datasets.schema_castable(upstream, downstream)


def _dataset_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    return is_none_type(upstream) or datasets.dataset_castable(upstream, downstream, castable)


_RULES: dict[str, Callable[[LiteralType, LiteralType], bool]] = {
    "collection_type": _collection_castable,
    "map_value_type": _map_castable,
    "blob": _blob_castable,
    "schema": _schema_castable,
    "structured_dataset_type": _dataset_castable,
    "union_type": _union_castable,
    "simple": _simple_rule,
}

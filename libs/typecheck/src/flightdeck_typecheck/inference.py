"""The type a literal value carries (compiler spec §5.3).

Used for scalar bindings at compile time and for execution inputs and signal values at run time.
A literal whose type cannot be told raises ``NotInferable``; admin reports that as an invalid
literal type rather than guessing.
"""

from __future__ import annotations

from collections.abc import Iterable

from flyteidl.core import literals_pb2, types_pb2
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_typecheck.describe import compact_text

_PRIMITIVE_TYPES = {
    "integer": types_pb2.INTEGER,
    "float_value": types_pb2.FLOAT,
    "string_value": types_pb2.STRING,
    "boolean": types_pb2.BOOLEAN,
    "datetime": types_pb2.DATETIME,
    "duration": types_pb2.DURATION,
}


class NotInferable(ValueError):
    """The literal (or a part of it) has no value or no type that can be read off it."""


def infer_literal_type(literal: literals_pb2.Literal) -> LiteralType:
    kind = literal.WhichOneof("value")
    if kind == "scalar":
        return infer_scalar_type(literal.scalar)
    if kind == "collection":
        return LiteralType(collection_type=_common_type(literal.collection.literals))
    if kind == "map":
        values = (literal.map.literals[key] for key in sorted(literal.map.literals))
        return LiteralType(map_value_type=_common_type(values))
    if kind == "offloaded_metadata" and literal.offloaded_metadata.HasField("inferred_type"):
        return literal.offloaded_metadata.inferred_type
    raise NotInferable(f"literal has no inferable type: {compact_text(literal)}")


def infer_scalar_type(scalar: literals_pb2.Scalar) -> LiteralType:
    kind = scalar.WhichOneof("value")
    if kind == "primitive":
        primitive_kind = scalar.primitive.WhichOneof("value")
        return _simple(_PRIMITIVE_TYPES.get(primitive_kind or "", types_pb2.NONE))
    if kind == "blob" and scalar.blob.HasField("metadata"):
        return LiteralType(blob=scalar.blob.metadata.type)
    if kind == "binary":
        return _simple(types_pb2.STRUCT if scalar.binary.tag == "msgpack" else types_pb2.BINARY)
    if kind == "schema":
        return LiteralType(schema=scalar.schema.type)
    if kind == "structured_dataset":
        metadata = scalar.structured_dataset.metadata
        return LiteralType(structured_dataset_type=metadata.structured_dataset_type)
    return _other_scalar_type(scalar, kind)


def _other_scalar_type(scalar: literals_pb2.Scalar, kind: str | None) -> LiteralType:
    if kind == "none_type":
        return _simple(types_pb2.NONE)
    if kind == "error":
        return _simple(types_pb2.ERROR)
    if kind == "generic":
        return _simple(types_pb2.STRUCT)
    if kind == "union":
        # The variant the sender chose; a one-variant union fits wherever that variant does.
        return LiteralType(union_type=types_pb2.UnionType(variants=[scalar.union.type]))
    raise NotInferable(f"scalar has no inferable type: {compact_text(scalar)}")


def _simple(simple: int) -> LiteralType:
    return LiteralType(simple=simple)  # type: ignore[arg-type]


def _common_type(literals: Iterable[literals_pb2.Literal]) -> LiteralType:
    distinct: dict[str, LiteralType] = {}
    empty_list: LiteralType | None = None
    for literal in literals:
        inferred = infer_literal_type(literal)
        if literal.WhichOneof("value") == "collection" and not literal.collection.literals:
            # An empty nested list says nothing about the element type unless it is alone.
            empty_list = inferred
            continue
        distinct.setdefault(compact_text(inferred), inferred)
    if not distinct:
        return empty_list if empty_list is not None else _simple(types_pb2.NONE)
    if len(distinct) == 1:
        return next(iter(distinct.values()))
    return _union_of([distinct[key] for key in sorted(distinct)])


def _union_of(types: list[LiteralType]) -> LiteralType:
    # Lists of mixed lists become one list of the union of their element variants.
    variants: list[LiteralType] = []
    nested = False
    for literal_type in types:
        element = literal_type.collection_type
        if literal_type.WhichOneof("type") == "collection_type" and element.HasField("union_type"):
            nested = True
            variants.extend(element.union_type.variants)
        else:
            variants.append(literal_type)
    union = LiteralType(union_type=types_pb2.UnionType(variants=variants))
    return LiteralType(collection_type=union) if nested else union

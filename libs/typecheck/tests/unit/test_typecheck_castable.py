"""Castability, one table row per rule of compiler spec §5.1-5.2."""

from __future__ import annotations

import pytest
from flyteidl.core import types_pb2 as t
from flyteidl.core.types_pb2 import LiteralType
from google.protobuf import struct_pb2

from flightdeck_typecheck import castable


def simple(kind: int, tag: str = "") -> LiteralType:
    literal_type = LiteralType(simple=kind)
    if tag:
        literal_type.structure.tag = tag
    return literal_type


INT, FLOAT, STR, NONE = simple(t.INTEGER), simple(t.FLOAT), simple(t.STRING), simple(t.NONE)
BOOL, DATETIME, ERROR = simple(t.BOOLEAN), simple(t.DATETIME), simple(t.ERROR)


def list_of(element: LiteralType) -> LiteralType:
    return LiteralType(collection_type=element)


def map_of(value: LiteralType) -> LiteralType:
    return LiteralType(map_value_type=value)


def union(*variants: LiteralType) -> LiteralType:
    return LiteralType(union_type=t.UnionType(variants=variants))


def enum(*values: str) -> LiteralType:
    return LiteralType(enum_type=t.EnumType(values=values))


def blob(fmt: str = "", dimensionality: int = t.BlobType.SINGLE) -> LiteralType:
    return LiteralType(blob=t.BlobType(format=fmt, dimensionality=dimensionality))


def schema(**columns: int) -> LiteralType:
    cols = [t.SchemaType.SchemaColumn(name=n, type=k) for n, k in columns.items()]
    return LiteralType(schema=t.SchemaType(columns=cols))


def dataset(fmt: str = "", **columns: LiteralType) -> LiteralType:
    cols = [
        t.StructuredDatasetType.DatasetColumn(name=n, literal_type=k) for n, k in columns.items()
    ]
    return LiteralType(structured_dataset_type=t.StructuredDatasetType(format=fmt, columns=cols))


def struct(json_schema: dict | None = None, tag: str = "") -> LiteralType:
    literal_type = simple(t.STRUCT, tag)
    if json_schema is not None:
        literal_type.metadata.CopyFrom(_to_struct(json_schema))
    return literal_type


def _to_struct(value: dict) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(value)
    return result


OPT_INT = union(simple(t.INTEGER, "int"), simple(t.NONE, "none"))
COL = t.SchemaType.SchemaColumn
PARENT = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
CHILD = {
    "type": "object",
    "properties": {"x": {"type": "integer"}, "y": {"type": "string"}},
    "required": ["x", "y"],
}

CASES = [
    # simple
    ("int to int", INT, INT, True),
    ("int does not widen to float", INT, FLOAT, False),
    ("datetime is not a string", DATETIME, STR, False),
    ("tagged upstream needs the same tag", simple(t.INTEGER, "int"), INT, False),
    ("untagged upstream fits a tagged slot", INT, simple(t.INTEGER, "int"), True),
    ("bool to int", BOOL, INT, False),
    # enum
    ("enum to string", enum("a", "b"), STR, True),
    ("string to enum", STR, enum("a", "b"), True),
    ("identical enums", enum("a", "b"), enum("a", "b"), True),
    ("enums with other order", enum("a", "b"), enum("b", "a"), False),
    ("int to enum", INT, enum("a"), False),
    # none
    ("none to none", NONE, NONE, True),
    ("int to none", INT, NONE, False),
    ("none to int", NONE, INT, False),
    # collection
    ("list of int", list_of(INT), list_of(INT), True),
    ("empty list fits any list", list_of(NONE), list_of(STR), True),
    ("list of int to list of float", list_of(INT), list_of(FLOAT), False),
    ("scalar to list", INT, list_of(INT), False),
    ("nested lists", list_of(list_of(INT)), list_of(list_of(INT)), True),
    # map
    ("map of int", map_of(INT), map_of(INT), True),
    ("empty map fits any map", map_of(NONE), map_of(STR), True),
    ("map of str to map of int", map_of(STR), map_of(INT), False),
    ("list to map", list_of(INT), map_of(INT), False),
    # blob
    ("blob same format", blob("csv"), blob("csv"), True),
    ("blob either format empty", blob(""), blob("csv"), True),
    ("blob formats differ", blob("csv"), blob("parquet"), False),
    ("blob dimensionality ignored", blob("", t.BlobType.MULTIPART), blob(""), True),
    ("none is not a blob", NONE, blob(), False),
    # schema
    ("schema without columns", schema(), schema(a=COL.INTEGER), True),
    ("schema covering columns", schema(a=COL.INTEGER, b=COL.STRING), schema(a=COL.INTEGER), True),
    ("schema column type differs", schema(a=COL.STRING), schema(a=COL.INTEGER), False),
    ("schema column missing", schema(b=COL.INTEGER), schema(a=COL.INTEGER), False),
    ("parquet dataset to schema", dataset("parquet", a=INT), schema(a=COL.INTEGER), True),
    ("csv dataset to schema", dataset("csv"), schema(), False),
    ("none is not a schema", NONE, schema(), False),
    # structured dataset
    ("none to dataset", NONE, dataset(), True),
    ("dataset formats case-insensitive", dataset("PARQUET"), dataset("parquet"), True),
    ("dataset formats conflict", dataset("csv"), dataset("parquet"), False),
    ("dataset open format", dataset(""), dataset("csv"), True),
    ("dataset columns castable", dataset(a=INT, b=STR), dataset(a=INT), True),
    ("dataset column not castable", dataset(a=INT), dataset(a=FLOAT), False),
    ("dataset column missing", dataset(b=INT), dataset(a=INT), False),
    ("schema to parquet dataset", schema(), dataset("parquet"), True),
    ("schema to csv dataset", schema(), dataset("csv"), False),
    # union
    ("value picks one variant", INT, OPT_INT, True),
    ("none fits optional", NONE, OPT_INT, True),
    ("no variant fits", STR, OPT_INT, False),
    ("two variants fit: ambiguous", INT, union(INT, simple(t.INTEGER)), False),
    ("union to union by variants", union(simple(t.INTEGER, "int")), OPT_INT, True),
    ("wider union does not fit", union(INT, STR), OPT_INT, False),
    ("one-variant union fits its variant's slot", union(INT), INT, True),
    ("two-variant union does not fit a scalar", OPT_INT, INT, False),
    ("tagged none fits an untagged none variant", union(simple(t.NONE, "none")), union(NONE), True),
    # struct
    ("struct without schemas", struct(), struct(PARENT), True),
    ("struct equal schemas", struct(PARENT), struct(PARENT), True),
    ("child dataclass to parent", struct(CHILD), struct(PARENT), True),
    ("parent dataclass to child", struct(PARENT), struct(CHILD), False),
    ("struct tags differ", struct(tag="A"), struct(tag="B"), False),
    ("struct to string", struct(), STR, False),
    # error
    ("error to error", ERROR, ERROR, True),
    ("error to none", ERROR, NONE, False),
]


@pytest.mark.parametrize(
    ("upstream", "downstream", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_castable(upstream: LiteralType, downstream: LiteralType, expected: bool) -> None:
    assert castable(upstream, downstream) is expected


def test_metadata_is_ignored_for_simple_types() -> None:
    annotated = simple(t.INTEGER)
    annotated.metadata.CopyFrom(_to_struct({"doc": "x"}))
    annotated.annotation.annotations.update({"k": "v"})
    assert castable(annotated, INT)
    assert castable(INT, annotated)


def test_struct_subtype_follows_refs_and_arrays() -> None:
    point = {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"]}
    up = {"type": "object", "properties": {"p": {"$ref": "#/$defs/P"}}, "$defs": {"P": point}}
    down = {
        "type": "object",
        "properties": {"p": {"type": "object", "properties": {"x": {"type": "number"}}}},
    }
    assert castable(struct(up), struct(down))
    listed = {"type": "array", "items": {"type": "string"}}
    assert not castable(struct({"type": "array", "items": {"type": "integer"}}), struct(listed))

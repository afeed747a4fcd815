"""Literal → type inference (compiler spec §5.3)."""

from __future__ import annotations

import pytest
from flyteidl.core import literals_pb2 as lit
from flyteidl.core import types_pb2 as t
from flyteidl.core.types_pb2 import Error, LiteralType

from flightdeck_typecheck import NotInferable, compact_text, infer_literal_type, infer_scalar_type


def scalar(**kwargs) -> lit.Literal:
    return lit.Literal(scalar=lit.Scalar(**kwargs))


def integer(value: int) -> lit.Literal:
    return scalar(primitive=lit.Primitive(integer=value))


def string(value: str) -> lit.Literal:
    return scalar(primitive=lit.Primitive(string_value=value))


def collection(*items: lit.Literal) -> lit.Literal:
    return lit.Literal(collection=lit.LiteralCollection(literals=items))


INT, STR, NONE = (
    LiteralType(simple=t.INTEGER),
    LiteralType(simple=t.STRING),
    LiteralType(simple=t.NONE),
)


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (integer(1), INT),
        (scalar(primitive=lit.Primitive(float_value=1.5)), LiteralType(simple=t.FLOAT)),
        (string("a"), STR),
        (scalar(primitive=lit.Primitive(boolean=True)), LiteralType(simple=t.BOOLEAN)),
        (scalar(primitive=lit.Primitive()), NONE),
        (scalar(none_type=lit.Void()), NONE),
        (scalar(error=Error()), LiteralType(simple=t.ERROR)),
        (scalar(generic={}), LiteralType(simple=t.STRUCT)),
        (scalar(binary=lit.Binary(tag="msgpack")), LiteralType(simple=t.STRUCT)),
        (scalar(binary=lit.Binary(tag="other")), LiteralType(simple=t.BINARY)),
        (
            scalar(blob=lit.Blob(metadata=lit.BlobMetadata(type=t.BlobType(format="csv")))),
            LiteralType(blob=t.BlobType(format="csv")),
        ),
        (scalar(schema=lit.Schema(type=t.SchemaType())), LiteralType(schema=t.SchemaType())),
        (
            scalar(structured_dataset=lit.StructuredDataset()),
            LiteralType(structured_dataset_type=t.StructuredDatasetType()),
        ),
        (
            scalar(union=lit.Union(value=integer(1), type=INT)),
            LiteralType(union_type=t.UnionType(variants=[INT])),
        ),
    ],
    ids=lambda value: compact_text(value)[:40],
)
def test_scalar_types(literal: lit.Literal, expected: LiteralType) -> None:
    assert infer_literal_type(literal) == expected


def test_collections_of_one_type() -> None:
    inferred = infer_literal_type(collection(integer(1), integer(2)))
    assert inferred == LiteralType(collection_type=INT)


def test_empty_collection_is_a_list_of_none() -> None:
    assert infer_literal_type(collection()) == LiteralType(collection_type=NONE)


def test_mixed_collection_is_a_sorted_union() -> None:
    inferred = infer_literal_type(collection(string("a"), integer(1), integer(2)))
    assert inferred == LiteralType(
        collection_type=LiteralType(union_type=t.UnionType(variants=[INT, STR]))
    )


def test_empty_nested_list_counts_only_alone() -> None:
    nested = infer_literal_type(collection(collection(), collection(integer(1))))
    assert nested == LiteralType(collection_type=LiteralType(collection_type=INT))
    alone = infer_literal_type(collection(collection()))
    assert alone == LiteralType(collection_type=LiteralType(collection_type=NONE))


def test_lists_of_mixed_lists_flatten_into_one_list_of_union() -> None:
    # [[1, "a"], [2]]: the list<union> contributes its variants, the other list stays whole.
    mixed = collection(collection(integer(1), string("a")), collection(integer(2)))
    element = infer_literal_type(mixed).collection_type
    assert element.WhichOneof("type") == "collection_type"
    variants = [compact_text(v) for v in element.collection_type.union_type.variants]
    assert variants == ["collection_type:{simple:INTEGER}", "simple:INTEGER", "simple:STRING"]


def test_map_of_values() -> None:
    literal = lit.Literal(map=lit.LiteralMap(literals={"a": integer(1), "b": integer(2)}))
    assert infer_literal_type(literal) == LiteralType(map_value_type=INT)


def test_offloaded_uses_its_inferred_type() -> None:
    literal = lit.Literal(offloaded_metadata=lit.LiteralOffloadedMetadata(inferred_type=STR))
    assert infer_literal_type(literal) == STR


@pytest.mark.parametrize(
    "literal",
    [
        lit.Literal(),
        scalar(blob=lit.Blob(uri="s3://x")),
        lit.Literal(offloaded_metadata=lit.LiteralOffloadedMetadata(uri="s3://x")),
        collection(integer(1), lit.Literal()),
    ],
    ids=["unset", "blob without metadata", "offloaded without type", "unset element"],
)
def test_not_inferable(literal: lit.Literal) -> None:
    with pytest.raises(NotInferable):
        infer_literal_type(literal)


def test_unset_scalar_is_not_inferable() -> None:
    with pytest.raises(NotInferable):
        infer_scalar_type(lit.Scalar())

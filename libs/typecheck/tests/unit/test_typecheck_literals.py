"""check_literal: a value against a declared type, with messages naming both types."""

from __future__ import annotations

import pytest
from flyteidl.core import literals_pb2 as lit
from flyteidl.core import types_pb2 as t
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_typecheck import (
    InvalidLiteralType,
    LiteralTypeMismatch,
    check_literal,
    compact_text,
    type_name,
)

INT, STR = LiteralType(simple=t.INTEGER), LiteralType(simple=t.STRING)
COLOR = LiteralType(enum_type=t.EnumType(values=["red", "green"]))
OPTIONAL_COLOR = LiteralType(
    union_type=t.UnionType(
        variants=[COLOR, LiteralType(simple=t.NONE, structure=t.TypeStructure(tag="none"))]
    )
)


def string(value: str) -> lit.Literal:
    return lit.Literal(scalar=lit.Scalar(primitive=lit.Primitive(string_value=value)))


def integer(value: int) -> lit.Literal:
    return lit.Literal(scalar=lit.Scalar(primitive=lit.Primitive(integer=value)))


def test_matching_literal_returns_its_type() -> None:
    assert check_literal(integer(3), INT) == INT


def test_mismatch_names_both_types() -> None:
    with pytest.raises(LiteralTypeMismatch) as caught:
        check_literal(string("x"), INT)
    assert str(caught.value) == "Expected [simple:INTEGER], but got [simple:STRING]"
    assert caught.value.expected == INT
    assert caught.value.actual == STR


def test_uninferable_literal_is_invalid() -> None:
    with pytest.raises(InvalidLiteralType):
        check_literal(lit.Literal(), INT)


def test_enum_value_must_be_listed() -> None:
    assert check_literal(string("red"), COLOR) == STR
    with pytest.raises(LiteralTypeMismatch, match=r"\[blue\] is not one of \['red', 'green'\]"):
        check_literal(string("blue"), COLOR)


def test_optional_enum_is_checked_too() -> None:
    wrapped = lit.Literal(scalar=lit.Scalar(union=lit.Union(value=string("blue"), type=COLOR)))
    with pytest.raises(LiteralTypeMismatch):
        check_literal(wrapped, OPTIONAL_COLOR)
    none = lit.Literal(scalar=lit.Scalar(none_type=lit.Void()))
    assert check_literal(none, OPTIONAL_COLOR) == LiteralType(simple=t.NONE)


@pytest.mark.parametrize(
    ("literal_type", "name"),
    [
        (INT, "INTEGER"),
        (LiteralType(collection_type=INT), "List[INTEGER]"),
        (LiteralType(map_value_type=STR), "Dict[str, STRING]"),
        (COLOR, "Enum[red, green]"),
        (OPTIONAL_COLOR, "Union[Enum[red, green], NONE]"),
        (LiteralType(blob=t.BlobType(format="csv")), "Blob[csv]"),
        (LiteralType(structured_dataset_type=t.StructuredDatasetType()), "StructuredDataset"),
        (LiteralType(schema=t.SchemaType()), "Schema"),
        (LiteralType(), "<unset>"),
    ],
)
def test_type_names(literal_type: LiteralType, name: str) -> None:
    assert type_name(literal_type) == name


def test_compact_text_matches_go_shape() -> None:
    nested = LiteralType(
        collection_type=LiteralType(simple=t.INTEGER, structure=t.TypeStructure(tag="int"))
    )
    assert compact_text(nested) == 'collection_type:{simple:INTEGER structure:{tag:"int"}}'
    ratio = lit.Primitive(float_value=1.0)
    assert compact_text(ratio) == "float_value:1"

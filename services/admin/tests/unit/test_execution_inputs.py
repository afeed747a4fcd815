from __future__ import annotations

import pytest
from flyteidl.core import interface_pb2, literals_pb2, types_pb2

from flightdeck_admin.domain.errors import InvalidField
from flightdeck_admin.domain.executions import (
    InputsRejected,
    generate_name,
    merge_inputs,
    validate_name,
)

INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
STR = types_pb2.LiteralType(simple=types_pb2.STRING)


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _str(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value))
    )


EXPECTED = interface_pb2.ParameterMap(
    parameters={
        "x": interface_pb2.Parameter(var=interface_pb2.Variable(type=INT), required=True),
        "y": interface_pb2.Parameter(var=interface_pb2.Variable(type=INT), default=_int(7)),
    }
)
FIXED = literals_pb2.LiteralMap(literals={"z": _str("fixed")})


def test_defaults_fill_and_fixed_inputs_are_added() -> None:
    merged = merge_inputs(literals_pb2.LiteralMap(literals={"x": _int(1)}), FIXED, EXPECTED)
    assert dict(merged.literals) == {"x": _int(1), "y": _int(7), "z": _str("fixed")}


def test_user_value_beats_the_default() -> None:
    merged = merge_inputs(
        literals_pb2.LiteralMap(literals={"x": _int(1), "y": _int(2)}), FIXED, EXPECTED
    )
    assert merged.literals["y"] == _int(2)


@pytest.mark.parametrize(
    ("user", "message"),
    [
        ({}, "expected_inputs x missing"),
        ({"x": _int(1), "z": _str("mine")}, "invalid input z"),
        ({"x": _int(1), "nope": _int(1)}, "invalid input nope"),
        (
            {"x": _str("one")},
            "invalid x input wrong type. Expected [simple:INTEGER], but got [simple:STRING]",
        ),
    ],
)
def test_rejections_name_the_input(user: dict[str, literals_pb2.Literal], message: str) -> None:
    with pytest.raises(InputsRejected) as rejected:
        merge_inputs(literals_pb2.LiteralMap(literals=user), FIXED, EXPECTED)
    assert str(rejected.value) == message


def test_generated_names_are_valid_and_differ() -> None:
    names = {generate_name() for _ in range(50)}
    assert len(names) == 50
    for name in names:
        assert len(name) == 20 and name.startswith("a")
        validate_name(name)


@pytest.mark.parametrize("name", ["run-1", "Run1", "a" * 63])
def test_accepted_names(name: str) -> None:
    validate_name(name)


@pytest.mark.parametrize("name", ["1run", "run_1", "run.1", "a" * 64, ""])
def test_refused_names(name: str) -> None:
    with pytest.raises(InvalidField, match="name"):
        validate_name(name)

"""CreateExecution rules that need no I/O (admin.md §1.1, §3.1 steps 3 and 5)."""

from __future__ import annotations

import re
import secrets

from flyteidl.core import interface_pb2, literals_pb2

from flightdeck_admin.domain.errors import InvalidField
from flightdeck_platform import faults
from flightdeck_typecheck import LiteralTypeError, check_literal

NAME_MAX = 63
_NAME = re.compile(r"[a-z][a-z\-0-9]*")
_GENERATED_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_GENERATED_LENGTH = 19


class InputsRejected(faults.InvalidArgument):
    """An execution's inputs do not fit the launch plan (names, required inputs, types)."""


def validate_name(name: str) -> None:
    """The reference checks a lower-cased copy, so upper-case letters pass (a quirk we keep)."""
    if len(name) > NAME_MAX or _NAME.fullmatch(name.lower()) is None:
        raise InvalidField(
            "name",
            f"{name!r} must start with a letter and hold only letters, digits and '-' "
            f"(at most {NAME_MAX} characters)",
        )


def generate_name() -> str:
    """'a' and 19 characters from an alphabet without vowels, so no word is ever spelled."""
    return "a" + "".join(secrets.choice(_GENERATED_ALPHABET) for _ in range(_GENERATED_LENGTH))


def merge_inputs(
    user: literals_pb2.LiteralMap,
    fixed: literals_pb2.LiteralMap,
    expected: interface_pb2.ParameterMap,
) -> literals_pb2.LiteralMap:
    """User inputs checked against the expected ones, defaults filled, fixed inputs added."""
    for name in user.literals:
        if name not in expected.parameters:
            raise InputsRejected(f"invalid input {name}")
    merged = literals_pb2.LiteralMap()
    for name, parameter in expected.parameters.items():
        if name in user.literals:
            _require_type(name, user.literals[name], parameter)
            merged.literals[name].CopyFrom(user.literals[name])
        elif parameter.required:
            raise InputsRejected(f"expected_inputs {name} missing")
        elif parameter.HasField("default"):
            merged.literals[name].CopyFrom(parameter.default)
    for name, literal in fixed.literals.items():
        merged.literals[name].CopyFrom(literal)
    return merged


def _require_type(
    name: str, literal: literals_pb2.Literal, parameter: interface_pb2.Parameter
) -> None:
    try:
        check_literal(literal, parameter.var.type)
    except LiteralTypeError as error:
        raise InputsRejected(f"invalid {name} input wrong type. {error}") from None

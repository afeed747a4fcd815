"""The signal rules of admin.md §7: request checks in the reference's order, the type rules."""

from __future__ import annotations

import pytest
from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_signals.domain import signals
from flightdeck_signals.domain.errors import (
    MissingField,
    SignalTypeConflict,
    SignalValueMismatch,
)

EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(
    project="flytesnacks", domain="development", name="abc"
)
SIGNAL_ID = identifier_pb2.SignalIdentifier(signal_id="approve", execution_id=EXECUTION)
INT = types_pb2.LiteralType(simple=types_pb2.INTEGER)
BOOL = types_pb2.LiteralType(simple=types_pb2.BOOLEAN)
ONE = literals_pb2.Literal(scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=1)))


def _signal_id(**execution: str) -> identifier_pb2.SignalIdentifier:
    fields = {"project": "p", "domain": "d", "name": "n", **execution}
    return identifier_pb2.SignalIdentifier(
        signal_id="s", execution_id=identifier_pb2.WorkflowExecutionIdentifier(**fields)
    )


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (signal_pb2.SignalGetOrCreateRequest(type=INT), "id"),
        (
            signal_pb2.SignalGetOrCreateRequest(
                id=identifier_pb2.SignalIdentifier(signal_id="s"), type=INT
            ),
            "execution_id",
        ),
        (
            signal_pb2.SignalGetOrCreateRequest(
                id=identifier_pb2.SignalIdentifier(execution_id=EXECUTION), type=INT
            ),
            "signal_id",
        ),
        (signal_pb2.SignalGetOrCreateRequest(id=_signal_id(project=""), type=INT), "project"),
        (signal_pb2.SignalGetOrCreateRequest(id=_signal_id(domain=""), type=INT), "domain"),
        (signal_pb2.SignalGetOrCreateRequest(id=_signal_id(name=""), type=INT), "name"),
        (signal_pb2.SignalGetOrCreateRequest(id=SIGNAL_ID), "type"),
    ],
)
def test_get_or_create_names_the_first_missing_field(
    request_: signal_pb2.SignalGetOrCreateRequest, field: str
) -> None:
    with pytest.raises(MissingField, match=rf"^missing {field}$"):
        signals.validate_get_or_create(request_)


def test_set_needs_an_id_then_a_value() -> None:
    with pytest.raises(MissingField, match=r"^missing id$"):
        signals.validate_set(signal_pb2.SignalSetRequest(value=ONE))
    with pytest.raises(MissingField, match=r"^missing value$"):
        signals.validate_set(signal_pb2.SignalSetRequest(id=SIGNAL_ID))
    signals.validate_set(signal_pb2.SignalSetRequest(id=SIGNAL_ID, value=ONE))


@pytest.mark.parametrize("gap", ["project", "domain", "name"])
def test_list_reads_any_gap_in_the_execution_id_as_missing_execution_id(gap: str) -> None:
    execution = identifier_pb2.WorkflowExecutionIdentifier()
    execution.CopyFrom(EXECUTION)
    setattr(execution, gap, "")
    with pytest.raises(MissingField, match=r"^missing execution_id$"):
        signals.validate_list(signal_pb2.SignalListRequest(workflow_execution_id=execution))
    with pytest.raises(MissingField, match=r"^missing execution_id$"):
        signals.validate_list(signal_pb2.SignalListRequest(limit=1))


def test_a_mistyped_value_names_both_types_and_the_signal() -> None:
    signal = signal_pb2.Signal(id=SIGNAL_ID, type=BOOL)
    with pytest.raises(SignalValueMismatch) as raised:
        signals.check_value(signal, ONE)
    message = str(raised.value)
    assert "Expected [simple:BOOLEAN], but got [simple:INTEGER]" in message
    assert "signal [approve] of execution [flytesnacks/development/abc]" in message


def test_a_value_of_no_inferable_type_is_invalid_naming_the_expected_type() -> None:
    signal = signal_pb2.Signal(id=SIGNAL_ID, type=INT)
    with pytest.raises(SignalValueMismatch, match=r"expected a value of type \[simple:INTEGER\]"):
        signals.check_value(signal, literals_pb2.Literal())


def test_a_castable_value_passes() -> None:
    optional_int = types_pb2.LiteralType(
        union_type=types_pb2.UnionType(variants=[INT, types_pb2.LiteralType(simple=types_pb2.NONE)])
    )
    signals.check_value(signal_pb2.Signal(id=SIGNAL_ID, type=INT), ONE)
    signals.check_value(signal_pb2.Signal(id=SIGNAL_ID, type=optional_int), ONE)


def test_an_existing_signal_of_another_type_conflicts_naming_both_types() -> None:
    stored = signal_pb2.Signal(id=SIGNAL_ID, type=INT)
    signals.require_same_type(stored, INT)
    with pytest.raises(SignalTypeConflict) as raised:
        signals.require_same_type(stored, BOOL)
    assert "type [simple:INTEGER]" in str(raised.value)
    assert "requested type [simple:BOOLEAN]" in str(raised.value)


def test_stored_ids_drop_the_org() -> None:
    execution = identifier_pb2.WorkflowExecutionIdentifier()
    execution.CopyFrom(EXECUTION)
    execution.org = "acme"
    assert signals.identifier(execution, "approve") == SIGNAL_ID

"""Signal rules (admin.md §7): request checks in the reference's order, and the type rules.

A signal is identified by its execution (project, domain, name) and its ``signal_id``; the
execution's existence is not checked, as in the reference.
"""

from __future__ import annotations

from flyteidl.admin import signal_pb2
from flyteidl.core import identifier_pb2, literals_pb2, types_pb2

from flightdeck_signals.domain.errors import (
    MissingField,
    SignalNotFound,
    SignalTypeConflict,
    SignalValueMismatch,
)
from flightdeck_typecheck import LiteralTypeError, LiteralTypeMismatch, check_literal, compact_text

_EXECUTION_FIELDS = ("project", "domain", "name")


def validate_get_or_create(request: signal_pb2.SignalGetOrCreateRequest) -> None:
    _require_signal_id(request)
    if not request.HasField("type"):
        raise MissingField("type")


def validate_set(request: signal_pb2.SignalSetRequest) -> None:
    _require_signal_id(request)
    if not request.HasField("value"):
        raise MissingField("value")


def validate_list(request: signal_pb2.SignalListRequest) -> None:
    """Any gap in the execution id reads as a missing execution id, as in the reference; the
    limit, filters, sort and token are the listing engine's to check."""
    execution = request.workflow_execution_id
    if not request.HasField("workflow_execution_id") or not is_complete(execution):
        raise MissingField("execution_id")


def is_complete(execution: identifier_pb2.WorkflowExecutionIdentifier) -> bool:
    return all(getattr(execution, field) for field in _EXECUTION_FIELDS)


def describe(signal_id: identifier_pb2.SignalIdentifier) -> str:
    execution = signal_id.execution_id
    return (
        f"signal [{signal_id.signal_id}] of execution "
        f"[{execution.project}/{execution.domain}/{execution.name}]"
    )


def not_found(signal_id: identifier_pb2.SignalIdentifier) -> SignalNotFound:
    return SignalNotFound(f"failed to validate that {describe(signal_id)} exists: no such signal")


def require_same_type(stored: signal_pb2.Signal, requested: types_pb2.LiteralType) -> None:
    """GetOrCreateSignal returns a stored signal only when asked for its type; the reference's
    insert then collides on the key, hence AlreadyExists."""
    if stored.type != requested:
        raise SignalTypeConflict(
            f"{describe(stored.id)} already exists with type [{compact_text(stored.type)}], "
            f"not the requested type [{compact_text(requested)}]"
        )


def check_value(signal: signal_pb2.Signal, value: literals_pb2.Literal) -> None:
    """The value must fit the signal's type, by the shared literal type rules."""
    try:
        check_literal(value, signal.type)
    except LiteralTypeMismatch as error:
        raise SignalValueMismatch(
            f"requested signal value is not castable to the type of {describe(signal.id)}: {error}"
        ) from error
    except LiteralTypeError as error:
        raise SignalValueMismatch(
            f"invalid value for {describe(signal.id)}: {error}; expected a value of type "
            f"[{compact_text(signal.type)}]"
        ) from error


def identifier(
    execution: identifier_pb2.WorkflowExecutionIdentifier, signal_id: str
) -> identifier_pb2.SignalIdentifier:
    """The id as stored: the execution's project, domain and name (``org`` is ignored)."""
    return identifier_pb2.SignalIdentifier(
        signal_id=signal_id,
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(
            project=execution.project, domain=execution.domain, name=execution.name
        ),
    )


def _require_signal_id(
    request: signal_pb2.SignalGetOrCreateRequest | signal_pb2.SignalSetRequest,
) -> None:
    if not request.HasField("id"):
        raise MissingField("id")
    if not request.id.HasField("execution_id"):
        raise MissingField("execution_id")
    if not request.id.signal_id:
        raise MissingField("signal_id")
    for field in _EXECUTION_FIELDS:
        if not getattr(request.id.execution_id, field):
            raise MissingField(field)

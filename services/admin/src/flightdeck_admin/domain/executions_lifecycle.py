"""An execution after its creation (admin.md §3.4, §3.5): relaunch and recovery as new
creations, termination, state updates, and how listings show an execution."""

from __future__ import annotations

from datetime import datetime

from flyteidl.admin import event_pb2, execution_pb2
from flyteidl.core import literals_pb2

from flightdeck_listing.grammar import parse_filters
from flightdeck_platform import faults
from flightdeck_records import executions as records

LISTED_ERROR_BYTES = 100
_ACTIVE_ONLY = f"eq(state,{execution_pb2.EXECUTION_ACTIVE})"
_EXECUTION = "e"


class AlreadyInTerminalState(faults.FailedPrecondition):
    """TerminateExecution of a finished execution; the detail names its phase."""


def already_terminal(phase: str) -> AlreadyInTerminalState:
    """The reference's text, which users search for; the detail names the phase."""
    reason = event_pb2.EventFailureReason()
    reason.already_in_terminal_state.current_phase = phase
    return AlreadyInTerminalState(
        "Cannot abort an already terminated workflow execution", details=(reason,)
    )


def is_terminal(phase: str) -> bool:
    return phase in records.TERMINAL_PHASES


def abort_metadata(cause: str, principal: str = "") -> execution_pb2.AbortMetadata:
    return execution_pb2.AbortMetadata(cause=cause, principal=principal)


def state_change(
    state: int, now: datetime, principal: str = ""
) -> execution_pb2.ExecutionStateChangeDetails:
    """UpdateExecution accepts any state value; the principal is the caller (nobody without
    authentication)."""
    change = execution_pb2.ExecutionStateChangeDetails(state=state, principal=principal)  # type: ignore[arg-type]
    change.occurred_at.FromDatetime(now)
    return change


def _again(
    original: execution_pb2.Execution, name: str, inputs: literals_pb2.LiteralMap
) -> execution_pb2.ExecutionCreateRequest:
    """A create request for a new execution from the stored spec, in the same project/domain."""
    request = execution_pb2.ExecutionCreateRequest(
        project=original.id.project, domain=original.id.domain, name=name
    )
    request.spec.CopyFrom(original.spec)
    request.spec.ClearField("inputs")
    request.spec.metadata.ClearField("system_metadata")
    request.spec.metadata.reference_execution.CopyFrom(original.id)
    request.inputs.CopyFrom(inputs)
    return request


def relaunch_request(
    original: execution_pb2.Execution,
    inputs: literals_pb2.LiteralMap,
    request: execution_pb2.ExecutionRelaunchRequest,
) -> execution_pb2.ExecutionCreateRequest:
    created = _again(original, request.name, inputs)
    created.spec.metadata.mode = execution_pb2.ExecutionMetadata.RELAUNCH
    created.spec.overwrite_cache = request.overwrite_cache
    return created


def recover_request(
    original: execution_pb2.Execution,
    inputs: literals_pb2.LiteralMap,
    request: execution_pb2.ExecutionRecoverRequest,
) -> execution_pb2.ExecutionCreateRequest:
    created = _again(original, request.name, inputs)
    created.spec.metadata.mode = execution_pb2.ExecutionMetadata.RECOVERED
    if request.metadata.HasField("parent_node_execution"):
        parent = request.metadata.parent_node_execution
        created.spec.metadata.parent_node_execution.CopyFrom(parent)
    return created


def listed(execution: execution_pb2.Execution) -> execution_pb2.Execution:
    """How ListExecutions shows an execution: error messages cut to 100 bytes (whole UTF-8
    characters), inputs cleared."""
    execution.spec.ClearField("inputs")
    execution.closure.ClearField("computed_inputs")
    if execution.closure.HasField("error"):
        error = execution.closure.error
        error.message = _cut(error.message, LISTED_ERROR_BYTES)
    return execution


def _cut(text: str, limit: int) -> str:
    return text.encode()[:limit].decode(errors="ignore")


def listing_filters(filters: str) -> str:
    """Without a condition on the execution's state, listings show only ACTIVE executions."""
    if not filters:
        return _ACTIVE_ONLY
    names_state = any(
        expression.entity == _EXECUTION and expression.column == "state"
        for expression in parse_filters(filters, _EXECUTION)
    )
    return filters if names_state else f"{filters}+{_ACTIVE_ONLY}"

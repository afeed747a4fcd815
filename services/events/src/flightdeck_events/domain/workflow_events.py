"""CreateWorkflowEvent's rules (admin.md §4.2 steps 3-5) over the part of an execution that
events drive.

The caller has validated the request, found the execution (NotFound otherwise) and reads
``ExecutionProgress`` from it; ``apply_workflow_event`` re-checks, so the projector can fold an
event the gateway accepted against a projection that moved on meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flyteidl.admin import execution_pb2
from flyteidl.event import event_pb2

from flightdeck_events.domain import closures
from flightdeck_events.domain.cluster import check_cluster, is_anonymous
from flightdeck_events.domain.phases import WORKFLOW_TERMINAL, WorkflowPhase, workflow_phase_name
from flightdeck_events.domain.rejections import (
    AlreadyInTerminalState,
    DuplicateEvent,
    InvalidTransition,
)
from flightdeck_events.domain.requests import WorkflowEventRequest
from flightdeck_records.topics import execution_key

_CLUSTER_ASSIGNING = frozenset((WorkflowPhase.UNDEFINED, WorkflowPhase.QUEUED))
"""Phases whose events may move the execution to the producer's cluster."""


@dataclass(frozen=True)
class ExecutionProgress:
    phase: int
    cluster: str
    closure: execution_pb2.ExecutionClosure = field(default_factory=execution_pb2.ExecutionClosure)
    """Only what events set: started_at, updated_at, duration, outputs / output_data / error."""


def check_workflow_event(stored: ExecutionProgress, request: WorkflowEventRequest) -> None:
    """In the reference's order: a duplicate beats the cluster check, which beats the terminal
    check (a second SUCCEEDED is AlreadyExists, not FailedPrecondition). Repeated QUEUED events
    announce a cluster reassignment and skip the first two."""
    event = request.event
    if event.phase != WorkflowPhase.QUEUED:
        if event.phase == stored.phase:
            raise DuplicateEvent(
                f"phase {workflow_phase_name(stored.phase)} was already recorded for workflow "
                f"execution {_name(event)}"
            )
        check_cluster(stored.cluster, event.producer_id)
    if stored.phase in WORKFLOW_TERMINAL:
        current = workflow_phase_name(stored.phase)
        raise AlreadyInTerminalState(
            f"invalid phase change from {current} to {workflow_phase_name(event.phase)} for "
            f"workflow execution {_name(event)}",
            current_phase=current,
        )
    if _goes_back(stored.phase, event.phase):
        raise InvalidTransition(
            f"cannot go from {workflow_phase_name(stored.phase)} to "
            f"{workflow_phase_name(event.phase)} for workflow execution {_name(event)}"
        )


def apply_workflow_event(
    stored: ExecutionProgress, request: WorkflowEventRequest
) -> ExecutionProgress:
    check_workflow_event(stored, request)
    event = request.event
    cluster = _cluster_after(stored.cluster, event)
    closure = execution_pb2.ExecutionClosure()
    closure.CopyFrom(stored.closure)
    closures.advance(closure.updated_at, event.occurred_at)
    if event.phase == WorkflowPhase.RUNNING:
        closures.start_once(closure.started_at, event.occurred_at)
    elif event.phase in WORKFLOW_TERMINAL:
        closures.finish(closure, event.occurred_at)
    _record_result(closure, event)
    return ExecutionProgress(phase=event.phase, cluster=cluster, closure=closure)


def acknowledged_progress(
    stored: ExecutionProgress, request: WorkflowEventRequest
) -> ExecutionProgress:
    """What the next event of the execution is judged against once this one is accepted: its
    phase, and the cluster it may have taken the execution over for."""
    event = request.event
    return ExecutionProgress(phase=event.phase, cluster=_cluster_after(stored.cluster, event))


def _goes_back(stored: int, incoming: int) -> bool:
    if stored == WorkflowPhase.RUNNING:
        return incoming == WorkflowPhase.QUEUED
    return stored == WorkflowPhase.ABORTING and incoming not in WORKFLOW_TERMINAL


def _cluster_after(recorded: str, event: event_pb2.WorkflowExecutionEvent) -> str:
    """A named producer takes the execution over while it is (re)queued. Events of every other
    phase have passed ``check_cluster``, so their producer is anonymous or the recorded one (the
    reference's second refusal here, naming the recorded cluster, can never be reached)."""
    if is_anonymous(event.producer_id) or event.phase not in _CLUSTER_ASSIGNING:
        return recorded
    return event.producer_id


def _record_result(
    closure: execution_pb2.ExecutionClosure, event: event_pb2.WorkflowExecutionEvent
) -> None:
    which = event.WhichOneof("output_result")
    if which == "output_uri":
        closure.outputs.uri = event.output_uri
    elif which in ("output_data", "error"):
        getattr(closure, which).CopyFrom(getattr(event, which))


def _name(event: event_pb2.WorkflowExecutionEvent) -> str:
    return execution_key(event.execution_id).decode()

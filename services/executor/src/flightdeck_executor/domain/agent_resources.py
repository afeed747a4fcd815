"""What an agent's ``Resource`` means for a task attempt, as propeller's agent plugin reads it:
the phase when the agent sets one, else the older ``state``; failures are the user's (the
agent ran the task and it failed), retryable only when the agent says so."""

from __future__ import annotations

from dataclasses import dataclass

from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2

from flightdeck_executor.domain.failures import AttemptFailure

Phase = execution_pb2.TaskExecution
PLUGIN = "agent-service"
"""The plugin identifier propeller's agent plugin puts in task event metadata."""

_WAITING = frozenset({Phase.QUEUED, Phase.WAITING_FOR_RESOURCES, Phase.INITIALIZING})
_BY_STATE = {
    agent_pb2.PENDING: Phase.QUEUED,
    agent_pb2.RUNNING: Phase.RUNNING,
    agent_pb2.SUCCEEDED: Phase.SUCCEEDED,
    agent_pb2.RETRYABLE_FAILURE: Phase.RETRYABLE_FAILED,
    agent_pb2.PERMANENT_FAILURE: Phase.FAILED,
}


@dataclass(frozen=True)
class Waiting:
    pass


@dataclass(frozen=True)
class Running:
    pass


@dataclass(frozen=True)
class Succeeded:
    pass


Progress = Waiting | Running | Succeeded | AttemptFailure


def phase_of(resource: agent_pb2.Resource) -> int:
    if resource.phase != Phase.UNDEFINED:
        return resource.phase
    return _BY_STATE.get(resource.state, Phase.UNDEFINED)


def progress_of(resource: agent_pb2.Resource) -> Progress:
    phase = phase_of(resource)
    if phase in _WAITING:
        return Waiting()
    if phase == Phase.RUNNING:
        return Running()
    if phase == Phase.SUCCEEDED:
        return Succeeded()
    if phase == Phase.RETRYABLE_FAILED:
        return _failure(resource, recoverable=True)
    if phase in (Phase.FAILED, Phase.ABORTED):
        return _failure(resource, recoverable=False)
    return AttemptFailure(
        execution_pb2.ExecutionError(
            code="UnknownPhase",
            message=f"the agent reported an unknown execution phase [{phase}]",
            kind=execution_pb2.ExecutionError.SYSTEM,
        ),
        recoverable=True,
    )


def _failure(resource: agent_pb2.Resource, recoverable: bool) -> AttemptFailure:
    error = resource.agent_error
    kind = error.origin or execution_pb2.ExecutionError.USER
    if resource.HasField("agent_error"):
        recoverable = error.kind == agent_pb2.AgentError.RECOVERABLE
    message = resource.message or "the agent reported a failure"
    return AttemptFailure(
        execution_pb2.ExecutionError(
            code=error.code or "TaskFailedWithError",
            message=f"failed to run the job: {message}",
            kind=kind,
        ),
        recoverable=recoverable,
    )


def unreachable(calls: int, message: str) -> AttemptFailure:
    """The agents stayed out of reach for the whole budget: a system failure, retried on the
    node's system budget like a lost pod."""
    return AttemptFailure(
        execution_pb2.ExecutionError(
            code="AgentUnavailable",
            message=f"the agent could not be reached in {calls} tries: {message}",
            kind=execution_pb2.ExecutionError.SYSTEM,
        ),
        recoverable=True,
    )


def refused(operation: str, message: str) -> AttemptFailure:
    """The agent service refused the call itself (no agent for the type, a bad template)."""
    return AttemptFailure(
        execution_pb2.ExecutionError(
            code="AgentRefused",
            message=f"the agent refused to {operation} the task: {message}",
            kind=execution_pb2.ExecutionError.SYSTEM,
        ),
        recoverable=False,
    )

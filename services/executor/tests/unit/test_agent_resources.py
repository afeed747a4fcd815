"""An agent's Resource read as propeller's agent plugin reads it."""

from __future__ import annotations

import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2

from flightdeck_executor.domain import agent_resources as rules
from flightdeck_executor.domain.failures import AttemptFailure

Phase = execution_pb2.TaskExecution


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        (agent_pb2.Resource(phase=Phase.QUEUED), rules.Waiting),
        (agent_pb2.Resource(phase=Phase.INITIALIZING), rules.Waiting),
        (agent_pb2.Resource(phase=Phase.RUNNING), rules.Running),
        (agent_pb2.Resource(phase=Phase.SUCCEEDED), rules.Succeeded),
        (agent_pb2.Resource(state=agent_pb2.PENDING), rules.Waiting),
        (agent_pb2.Resource(state=agent_pb2.SUCCEEDED), rules.Succeeded),
    ],
)
def test_phases_and_older_states(resource: agent_pb2.Resource, expected: type) -> None:
    assert isinstance(rules.progress_of(resource), expected)


def test_a_failure_is_the_user_s_and_retryable_only_when_the_agent_says_so() -> None:
    failed = rules.progress_of(agent_pb2.Resource(phase=Phase.FAILED, message="quota"))
    retry = rules.progress_of(agent_pb2.Resource(phase=Phase.RETRYABLE_FAILED))
    assert isinstance(failed, AttemptFailure) and isinstance(retry, AttemptFailure)
    assert (failed.recoverable, retry.recoverable) == (False, True)
    assert failed.error.kind == execution_pb2.ExecutionError.USER
    assert failed.error.message == "failed to run the job: quota"


def test_the_agent_s_error_decides_kind_code_and_recoverability() -> None:
    error = agent_pb2.AgentError(
        code="Throttled",
        kind=agent_pb2.AgentError.RECOVERABLE,
        origin=execution_pb2.ExecutionError.SYSTEM,
    )
    failure = rules.progress_of(agent_pb2.Resource(phase=Phase.FAILED, agent_error=error))
    assert isinstance(failure, AttemptFailure)
    assert (failure.error.code, failure.error.kind) == (
        "Throttled",
        execution_pb2.ExecutionError.SYSTEM,
    )
    assert failure.recoverable


def test_out_of_reach_agents_are_a_retryable_system_failure() -> None:
    failure = rules.unreachable(30, "UNAVAILABLE: down")
    assert failure.recoverable
    assert failure.error.kind == execution_pb2.ExecutionError.SYSTEM
    assert "30 tries" in failure.error.message

"""Attempt failures, retry decisions and message truncation (spec §2.3 to §2.5, §5.1)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flyteidl.core import errors_pb2, execution_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from flightdeck_executor.domain.failures import (
    AttemptFailure,
    Fail,
    Retry,
    abnormal_exit,
    from_error_document,
    max_attempts,
    next_step,
    outputs_missing,
    outputs_too_large,
    timed_out,
    truncate_message,
)

USER = execution_pb2.ExecutionError.USER
SYSTEM = execution_pb2.ExecutionError.SYSTEM
UNKNOWN = execution_pb2.ExecutionError.UNKNOWN
Container = errors_pb2.ContainerError


def _document(**fields: object) -> errors_pb2.ErrorDocument:
    return errors_pb2.ErrorDocument(error=errors_pb2.ContainerError(**fields))  # type: ignore[arg-type]


def _failure(kind: int, recoverable: bool = True, code: str = "c") -> AttemptFailure:
    error = execution_pb2.ExecutionError(code=code, message="boom", kind=kind)  # type: ignore[arg-type]
    return AttemptFailure(error, recoverable)


def test_flytekit_user_exception_is_permanent_and_keeps_origin_as_kind() -> None:
    stamp = Timestamp(seconds=100)
    document = _document(
        code="USER:RuntimeError",
        message="Traceback ...",
        kind=Container.NON_RECOVERABLE,
        origin=USER,
        timestamp=stamp,
        worker="w0",
    )
    failure = from_error_document(document, occurred_at=Timestamp(seconds=5))
    assert failure.recoverable is False
    assert failure.error == execution_pb2.ExecutionError(
        code="USER:RuntimeError", message="Traceback ...", kind=USER, timestamp=stamp, worker="w0"
    )


def test_recoverable_exception_is_retryable() -> None:
    document = _document(code="USER:Recoverable", kind=Container.RECOVERABLE, origin=USER)
    failure = from_error_document(document)
    assert failure.recoverable is True
    assert failure.error.kind == USER


def test_missing_timestamp_falls_back_to_occurred_at() -> None:
    document = _document(code="SYSTEM", kind=Container.RECOVERABLE, origin=SYSTEM)
    failure = from_error_document(document, occurred_at=Timestamp(seconds=42))
    assert failure.error.timestamp.seconds == 42
    assert failure.error.kind == SYSTEM


def test_empty_error_document_is_a_recoverable_system_failure() -> None:
    failure = from_error_document(errors_pb2.ErrorDocument(), path="s3://b/0/error.pb")
    assert failure.recoverable is True
    assert failure.error.code == "ErrorFileBadFormat"
    assert failure.error.kind == SYSTEM
    assert (
        failure.error.message
        == "error not formatted correctly, nil error @path [s3://b/0/error.pb]"
    )


def test_missing_outputs_are_recoverable_with_unknown_kind() -> None:
    failure = outputs_missing()
    assert failure.recoverable is True
    assert failure.error.code == "OutputsNotFound"
    assert failure.error.kind == UNKNOWN


def test_too_large_outputs_are_permanent() -> None:
    failure = outputs_too_large(3_000_000, 2 * 1024 * 1024)
    assert failure.recoverable is False
    assert failure.error.code == "OutputSizeExceeded"
    assert "[3000000] bytes, max allowed [2097152] bytes" in failure.error.message


@pytest.mark.parametrize(
    ("exit_code", "signal_number"), [(None, 9), (137, None), (247, None), (None, None)]
)
def test_kill_or_lost_process_is_a_system_interruption(
    exit_code: int | None, signal_number: int | None
) -> None:
    failure = abnormal_exit(exit_code, signal_number, "last lines")
    assert failure.recoverable is True
    assert failure.error.code == "Interrupted"
    assert failure.error.kind == SYSTEM
    assert failure.error.message.endswith("\nlast lines")


def test_plain_non_zero_exit_is_a_retryable_user_error() -> None:
    failure = abnormal_exit(2, None, "Traceback: oops")
    assert failure.recoverable is True
    assert failure.error.code == "Error"
    assert failure.error.kind == USER
    assert failure.error.message == (
        "[task] terminated with exit code (2). Reason [Error]. Message: \nTraceback: oops"
    )


def test_other_signals_report_the_shell_exit_code() -> None:
    failure = abnormal_exit(None, 15, "")
    assert failure.error.kind == USER
    assert "exit code (143)" in failure.error.message


@pytest.mark.parametrize(
    ("timeout", "text"),
    [
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1), "1h0m0s"),
        (timedelta(milliseconds=1500), "1.5s"),
        (timedelta(milliseconds=250), "250ms"),
    ],
)
def test_timeout_message_uses_go_duration_text(timeout: timedelta, text: str) -> None:
    failure = timed_out(timeout)
    assert failure.recoverable is True
    assert failure.error.kind == USER
    assert failure.error.code == "TimeoutExpired"
    assert failure.error.message == f"task execution timeout [{text}] expired"


@pytest.mark.parametrize(
    ("node", "task", "expected"),
    [(None, None, 1), (2, None, 3), (None, 4, 5), (1, 4, 2), (0, 4, 5), (0, 0, 1)],
)
def test_max_attempts(node: int | None, task: int | None, expected: int) -> None:
    assert max_attempts(node, task) == expected


def test_permanent_failure_fails_with_its_own_error() -> None:
    failure = _failure(USER, recoverable=False)
    assert next_step(failure, 1, 0, 5) == Fail(failure.error)


def test_user_failures_retry_until_the_budget_is_spent() -> None:
    failure = _failure(USER, code="USER:Recoverable")
    assert next_step(failure, 1, 0, 3) == Retry(counts_as_system=False)
    assert next_step(failure, 2, 0, 3) == Retry(counts_as_system=False)
    decision = next_step(failure, 3, 0, 3)
    assert decision == Fail(
        execution_pb2.ExecutionError(
            code="RetriesExhausted|USER:Recoverable",
            message="[3/3] currentAttempt done. Last Error: USER::boom",
            kind=USER,
        )
    )


def test_default_single_attempt_is_exhausted_at_once() -> None:
    decision = next_step(_failure(UNKNOWN, code="OutputsNotFound"), 1, 0, 1)
    assert isinstance(decision, Fail)
    assert decision.error.code == "RetriesExhausted|OutputsNotFound"
    assert decision.error.message == "[1/1] currentAttempt done. Last Error: UNKNOWN::boom"


def test_system_failures_draw_on_their_own_budget() -> None:
    failure = _failure(SYSTEM, code="Interrupted")
    for before in range(3):
        assert next_step(failure, before + 1, before, 1) == Retry(counts_as_system=True)
    decision = next_step(failure, 4, 3, 1)
    assert isinstance(decision, Fail)
    assert decision.error.kind == USER
    assert decision.error.code == "RetriesExhausted|Interrupted"
    assert decision.error.message == "[3/3] currentAttempt done. Last Error: SYSTEM::boom"


def test_system_failures_do_not_use_up_user_attempts() -> None:
    # Two interruptions, then a user failure: only one user attempt was spent of two.
    assert next_step(_failure(USER), 3, 2, 2) == Retry(counts_as_system=False)
    decision = next_step(_failure(USER), 4, 2, 2)
    assert isinstance(decision, Fail)
    assert decision.error.message.startswith("[2/2] currentAttempt done.")


def test_short_messages_are_not_truncated() -> None:
    assert truncate_message("short", limit=10) == "short"
    assert truncate_message("x" * 10, limit=10) == "x" * 10


def test_long_messages_keep_both_ends() -> None:
    message = "h" * 40 + "m" * 40 + "t" * 40
    assert truncate_message(message, limit=100) == (
        "h" * 40 + "m" * 10 + "\n... <Message Truncated> ...\n" + "m" * 10 + "t" * 40
    )


def test_default_limit_is_100_kib() -> None:
    message = "x" * (100 * 1024 + 1)
    truncated = truncate_message(message)
    head, tail = truncated.split("\n... <Message Truncated> ...\n")
    assert len(head) == len(tail) == 50 * 1024


def test_truncation_never_splits_a_character() -> None:
    message = "é" * 100  # two bytes each
    truncated = truncate_message(message, limit=51)
    head, tail = truncated.split("\n... <Message Truncated> ...\n")
    assert head == "é" * 12
    assert tail == "é" * 12

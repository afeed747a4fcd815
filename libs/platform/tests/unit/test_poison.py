from __future__ import annotations

import pytest

from flightdeck_platform.poison import Position, RetryBudget, Verdict

HEAD = Position("commands", 3, 41)


def test_a_message_is_dead_lettered_on_its_last_allowed_failure() -> None:
    budget = RetryBudget(max_attempts=3)

    verdicts = [budget.failed(HEAD, transient=False) for _ in range(3)]

    assert verdicts == [Verdict.RETRY, Verdict.RETRY, Verdict.DEAD_LETTER]
    assert budget.attempts(HEAD) == 3


def test_transient_failures_retry_forever_without_spending_the_budget() -> None:
    budget = RetryBudget(max_attempts=2)
    budget.failed(HEAD, transient=False)

    verdicts = {budget.failed(HEAD, transient=True) for _ in range(1000)}

    assert verdicts == {Verdict.RETRY}
    assert budget.attempts(HEAD) == 1
    assert budget.failed(HEAD, transient=False) is Verdict.DEAD_LETTER


def test_an_exhausted_message_stays_exhausted_until_settled() -> None:
    """Recording the dead letter may fail; the redelivered message must be set aside again."""
    budget = RetryBudget(max_attempts=1)

    assert budget.failed(HEAD, transient=False) is Verdict.DEAD_LETTER
    assert budget.failed(HEAD, transient=False) is Verdict.DEAD_LETTER

    budget.settled(HEAD)
    assert budget.attempts(HEAD) == 0
    assert budget.failed(HEAD, transient=False) is Verdict.DEAD_LETTER


def test_settling_starts_the_next_message_of_the_partition_afresh() -> None:
    budget = RetryBudget(max_attempts=2)
    budget.failed(HEAD, transient=False)

    budget.settled(HEAD)
    following = Position(HEAD.topic, HEAD.partition, HEAD.offset + 1)

    assert budget.failed(following, transient=False) is Verdict.RETRY
    assert budget.attempts(following) == 1


def test_a_failure_at_another_offset_of_the_partition_does_not_inherit_the_count() -> None:
    """After a rebalance the partition may come back at another offset without a settle."""
    budget = RetryBudget(max_attempts=2)
    budget.failed(HEAD, transient=False)
    elsewhere = Position(HEAD.topic, HEAD.partition, 7)

    assert budget.failed(elsewhere, transient=False) is Verdict.RETRY
    assert budget.attempts(HEAD) == 0


def test_partitions_and_topics_are_counted_apart() -> None:
    budget = RetryBudget(max_attempts=2)
    budget.failed(HEAD, transient=False)

    assert budget.failed(Position(HEAD.topic, 4, HEAD.offset), transient=False) is Verdict.RETRY
    assert budget.failed(Position("other", 3, HEAD.offset), transient=False) is Verdict.RETRY
    assert budget.failed(HEAD, transient=False) is Verdict.DEAD_LETTER


def test_settling_a_message_that_never_failed_keeps_the_failing_one() -> None:
    budget = RetryBudget(max_attempts=3)
    budget.failed(HEAD, transient=False)

    budget.settled(Position(HEAD.topic, HEAD.partition, 40))

    assert budget.attempts(HEAD) == 1


def test_a_budget_needs_at_least_one_attempt() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryBudget(max_attempts=0)

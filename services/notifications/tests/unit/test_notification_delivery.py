"""Queueing from the feed and delivering apart from it: once per (execution, phase, rule),
retries with backoff, dead letters after the budget, unconfigured channels skipped."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2

from flightdeck_notifications.domain.errors import (
    ChannelUnconfigured,
    DeliveryFailed,
    ExecutionUnreadable,
)
from flightdeck_notifications.domain.messages import Templates
from flightdeck_notifications.domain.phase_changes import Change
from flightdeck_notifications.domain.rules import SlackRoutes
from flightdeck_notifications.service.dispatch import Dispatcher, Policy
from flightdeck_notifications.service.intake import Intake
from flightdeck_notifications.store.memory import InMemoryJobQueue

RUN = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="r1")
NOW = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
FAILED = core.WorkflowExecution.FAILED


def _execution() -> execution_pb2.Execution:
    execution = execution_pb2.Execution(id=RUN)
    execution.closure.error.message = "boom"
    execution.closure.notifications.extend(
        [
            common_pb2.Notification(
                phases=[FAILED], email=common_pb2.EmailNotification(recipients_email=["a@x"])
            ),
            common_pb2.Notification(
                phases=[FAILED], slack=common_pb2.SlackNotification(recipients_email=["#c"])
            ),
        ]
    )
    return execution


@dataclass
class Fakes:
    execution: execution_pb2.Execution = field(default_factory=_execution)
    emails: list[tuple[tuple[str, ...], str, str]] = field(default_factory=list)
    posts: list[tuple[str, str]] = field(default_factory=list)
    email_failures: list[Exception] = field(default_factory=list)
    read_failures: int = 0

    async def get(self, execution: object) -> execution_pb2.Execution:
        if self.read_failures:
            self.read_failures -= 1
            raise ExecutionUnreadable("admin away")
        return self.execution

    async def email(self, recipients: tuple[str, ...], subject: str, html_body: str) -> None:
        if self.email_failures:
            raise self.email_failures.pop(0)
        self.emails.append((recipients, subject, html_body))

    async def slack(self, webhook: str, text: str) -> None:
        self.posts.append((webhook, text))


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def _wire(fakes: Fakes, max_attempts: int = 3) -> tuple[InMemoryJobQueue, Dispatcher, Clock]:
    queue, clock = InMemoryJobQueue(), Clock()
    policy = Policy(
        Templates("{{ name }} {{ phase }}", "{{ error }}", "{{ name }}"),
        "http://console",
        SlackRoutes(default_webhook="https://hooks.example/1"),
        max_attempts=max_attempts,
        first_backoff=timedelta(seconds=5),
    )
    return queue, Dispatcher(queue, fakes, fakes, policy, clock), clock


def _failed(phase: str = "FAILED") -> Change:
    return Change(entity=Change.WORKFLOW, execution_id=RUN, phase=phase, terminal=True)


async def test_a_failed_run_notifies_each_rule_once_however_often_the_feed_repeats() -> None:
    fakes = Fakes()
    queue, dispatcher, _ = _wire(fakes)
    intake = Intake(queue)
    running = Change(entity=Change.WORKFLOW, execution_id=RUN, phase="RUNNING")
    node = Change(entity=Change.NODE, execution_id=RUN, phase="FAILED", terminal=True)
    await intake.follow([running, node, _failed(), _failed()])
    await intake.follow([_failed()])  # a redelivered batch
    await dispatcher.dispatch_due()
    await dispatcher.dispatch_due()
    assert fakes.emails == [(("a@x",), "r1 failed", " The execution failed: boom")]
    assert fakes.posts == [("https://hooks.example/1", "r1")]
    assert await queue.pending() == 0


async def test_a_failed_send_is_retried_after_a_backoff_without_resending_the_rest() -> None:
    fakes = Fakes(email_failures=[DeliveryFailed("smtp down")])
    queue, dispatcher, clock = _wire(fakes)
    await Intake(queue).follow([_failed()])
    await dispatcher.dispatch_due()
    assert (fakes.emails, len(fakes.posts)) == ([], 1)
    assert await dispatcher.dispatch_due() == 0  # backing off
    clock.now += timedelta(seconds=6)
    await dispatcher.dispatch_due()
    assert len(fakes.emails) == 1
    assert len(fakes.posts) == 1  # the Slack post went out the first time only
    assert await queue.pending() == 0


async def test_a_job_that_keeps_failing_is_dead_lettered() -> None:
    fakes = Fakes(email_failures=[DeliveryFailed("refused")] * 5)
    queue, dispatcher, clock = _wire(fakes, max_attempts=2)
    await Intake(queue).follow([_failed()])
    for _ in range(3):
        await dispatcher.dispatch_due()
        clock.now += timedelta(minutes=5)
    assert await queue.pending() == 0
    assert queue.dead[0]["job"] == "p/development/r1/FAILED"
    assert "refused" in str(queue.dead[0]["error"])


async def test_an_unreadable_execution_is_retried() -> None:
    fakes = Fakes(read_failures=1)
    queue, dispatcher, clock = _wire(fakes)
    await Intake(queue).follow([_failed()])
    await dispatcher.dispatch_due()
    clock.now += timedelta(seconds=6)
    await dispatcher.dispatch_due()
    assert len(fakes.emails) == 1


async def test_an_unconfigured_channel_is_skipped_not_retried() -> None:
    fakes = Fakes(email_failures=[ChannelUnconfigured("no SMTP server")])
    queue, dispatcher, _ = _wire(fakes)
    await Intake(queue).follow([_failed()])
    await dispatcher.dispatch_due()
    assert fakes.emails == [] and len(fakes.posts) == 1
    assert await queue.pending() == 0


async def test_phases_no_rule_names_send_nothing() -> None:
    fakes = Fakes()
    queue, dispatcher, _ = _wire(fakes)
    await Intake(queue).follow([_failed("SUCCEEDED")])
    await dispatcher.dispatch_due()
    assert (fakes.emails, fakes.posts) == ([], [])
    assert await queue.pending() == 0

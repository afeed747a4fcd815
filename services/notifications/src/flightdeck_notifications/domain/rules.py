"""Which notifications an ended execution owes, one ``Delivery`` each, keyed so that a delivery
that went out is never repeated (de-duplication by execution, phase and rule).

The rules are the ones admin recorded on the execution when it was created: the request's,
else the launch plan's unless ``disable_all`` (admin.md §3.1 step 11). A rule notifies when
its ``phases`` hold the phase reached. Email rules go to their recipients by SMTP; PagerDuty
rules too, to the addresses of PagerDuty's email integration, as the reference does. Slack
rules post to the incoming webhook configured for the recipient (a Slack channel address) or
the default webhook; recipients with neither are emailed, which is how the reference reaches
Slack (channel email addresses).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2

EMAIL, SLACK, PAGER_DUTY = "email", "slack", "pagerduty"


@dataclass(frozen=True)
class SlackRoutes:
    default_webhook: str = ""
    webhooks: Mapping[str, str] = field(default_factory=dict)
    """Slack recipient (as the rule names it) → incoming webhook URL."""

    def webhook_of(self, recipient: str) -> str:
        return self.webhooks.get(recipient, self.default_webhook)


@dataclass(frozen=True)
class Delivery:
    key: str
    """Unique within the execution's phase: the rule's position plus where it goes."""
    channel: str
    """The rule's kind: email, slack or pagerduty."""
    recipients: tuple[str, ...]
    webhook: str = ""
    """Set for a Slack post; empty for everything sent by email."""


def rules_of(execution: execution_pb2.Execution) -> Sequence[common_pb2.Notification]:
    if execution.closure.notifications:
        return execution.closure.notifications
    if execution.spec.disable_all:
        return ()
    return execution.spec.notifications.notifications


def deliveries(
    execution: execution_pb2.Execution, phase: str, slack: SlackRoutes
) -> list[Delivery]:
    found: list[Delivery] = []
    for index, rule in enumerate(rules_of(execution)):
        if phase not in {core_execution_pb2.WorkflowExecution.Phase.Name(p) for p in rule.phases}:
            continue
        kind = rule.WhichOneof("type")
        if kind == "email":
            found.append(Delivery(f"{index}:email", EMAIL, tuple(rule.email.recipients_email)))
        elif kind == "pager_duty":
            recipients = tuple(rule.pager_duty.recipients_email)
            found.append(Delivery(f"{index}:pagerduty", PAGER_DUTY, recipients))
        elif kind == "slack":
            found += _slack(index, tuple(rule.slack.recipients_email), slack)
    return [d for d in found if d.recipients]


def _slack(index: int, recipients: tuple[str, ...], routes: SlackRoutes) -> list[Delivery]:
    by_webhook: dict[str, list[str]] = {}
    for recipient in recipients:
        by_webhook.setdefault(routes.webhook_of(recipient), []).append(recipient)
    found = []
    for webhook, named in by_webhook.items():
        if webhook:
            # The webhook URL is a secret: the key carries a digest of it, not the URL.
            digest = hashlib.sha256(webhook.encode()).hexdigest()[:16]
            found.append(Delivery(f"{index}:slack:{digest}", SLACK, tuple(named), webhook))
        else:
            found.append(Delivery(f"{index}:slack:email", SLACK, tuple(named)))
    return found

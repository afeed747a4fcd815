"""Which deliveries an ended execution owes, and their text."""

from __future__ import annotations

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core

from flightdeck_notifications.domain.messages import Templates, message, render
from flightdeck_notifications.domain.rules import SlackRoutes, deliveries

FAILED, SUCCEEDED = core.WorkflowExecution.FAILED, core.WorkflowExecution.SUCCEEDED


def _execution(*rules: common_pb2.Notification) -> execution_pb2.Execution:
    execution = execution_pb2.Execution()
    execution.id.project, execution.id.domain, execution.id.name = "p", "development", "run1"
    execution.spec.launch_plan.name = "lp"
    execution.closure.workflow_id.name = "wf"
    execution.closure.notifications.extend(rules)
    execution.closure.error.message = "task t1 failed: boom"
    return execution


def _email(*phases: int, to: str = "ops@example.com") -> common_pb2.Notification:
    return common_pb2.Notification(
        phases=phases, email=common_pb2.EmailNotification(recipients_email=[to])
    )


def test_only_the_rules_naming_the_phase_notify() -> None:
    execution = _execution(_email(SUCCEEDED), _email(FAILED, SUCCEEDED, to="dev@example.com"))
    owed = deliveries(execution, "FAILED", SlackRoutes())
    assert [(d.key, d.channel, d.recipients) for d in owed] == [
        ("1:email", "email", ("dev@example.com",))
    ]


def test_pager_duty_goes_by_email_and_slack_by_webhook_or_else_by_email() -> None:
    pager = common_pb2.Notification(
        phases=[FAILED],
        pager_duty=common_pb2.PagerDutyNotification(recipients_email=["svc@pd.example.com"]),
    )
    slack = common_pb2.Notification(
        phases=[FAILED],
        slack=common_pb2.SlackNotification(recipients_email=["alerts@ws.slack.com", "x@ws"]),
    )
    routes = SlackRoutes(webhooks={"alerts@ws.slack.com": "https://hooks.example/T/1"})
    owed = deliveries(_execution(pager, slack), "FAILED", routes)
    assert [(d.channel, d.recipients, d.webhook) for d in owed] == [
        ("pagerduty", ("svc@pd.example.com",), ""),
        ("slack", ("alerts@ws.slack.com",), "https://hooks.example/T/1"),
        ("slack", ("x@ws",), ""),
    ]
    assert "hooks.example" not in owed[1].key  # the webhook is a secret


def test_the_launch_plans_rules_apply_unless_disabled() -> None:
    execution = _execution()
    execution.spec.notifications.notifications.append(_email(FAILED))
    assert len(deliveries(execution, "FAILED", SlackRoutes())) == 1
    execution.spec.disable_all = True
    assert deliveries(execution, "FAILED", SlackRoutes()) == []


def test_templates_take_the_reference_placeholders_with_or_without_spaces() -> None:
    templates = Templates(
        subject="{{ name }} {{phase}} in {{ project }}/{{domain}}",
        body="{{ workflow.name }} via {{launch_plan.name}}.{{ error }} {{ url }}",
        slack="{{ name }}: {{ phase }}",
    )
    text = message(templates, _execution(), "FAILED", "http://console/")
    assert text.subject == "run1 failed in p/development"
    assert text.body == (
        "wf via lp. The execution failed: task t1 failed: boom "
        "http://console/projects/p/domains/development/executions/run1"
    )
    assert text.slack == "run1: failed"
    assert render("{{ unknown }}", {"name": "x"}) == "{{ unknown }}"

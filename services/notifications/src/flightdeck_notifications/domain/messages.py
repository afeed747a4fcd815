"""The text of a notification: templates with the reference's placeholders, written
``{{ name }}`` or ``{{name}}``: ``project``, ``domain``, ``name`` (the execution's),
``phase`` (lower case, as the reference writes it), ``error`` (empty unless the execution
records an error, else a sentence carrying its message), ``workflow.project|domain|name|
version``, ``launch_plan.project|domain|name|version``, and flightdeck's ``url``: the run's
page in the console."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from flyteidl.admin import execution_pb2


@dataclass(frozen=True)
class Templates:
    subject: str
    body: str
    """The email body (HTML), also used for PagerDuty's email integration."""
    slack: str
    """The Slack message (Slack's mrkdwn)."""


@dataclass(frozen=True)
class Message:
    subject: str
    body: str
    slack: str


def run_url(console_url: str, execution: execution_pb2.Execution) -> str:
    e = execution.id
    return f"{console_url.rstrip('/')}/projects/{e.project}/domains/{e.domain}/executions/{e.name}"


def values(execution: execution_pb2.Execution, phase: str, console_url: str) -> dict[str, str]:
    workflow = execution.closure.workflow_id
    launch_plan = execution.spec.launch_plan
    error = execution.closure.error.message if execution.closure.HasField("error") else ""
    return {
        "project": execution.id.project,
        "domain": execution.id.domain,
        "name": execution.id.name,
        "phase": phase.lower(),
        "error": f" The execution failed: {error}" if error else "",
        "url": run_url(console_url, execution),
        "workflow.project": workflow.project,
        "workflow.domain": workflow.domain,
        "workflow.name": workflow.name,
        "workflow.version": workflow.version,
        "launch_plan.project": launch_plan.project,
        "launch_plan.domain": launch_plan.domain,
        "launch_plan.name": launch_plan.name,
        "launch_plan.version": launch_plan.version,
    }


def render(template: str, substitutions: Mapping[str, str]) -> str:
    for placeholder, value in substitutions.items():
        template = template.replace("{{ " + placeholder + " }}", value)
        template = template.replace("{{" + placeholder + "}}", value)
    return template


def message(
    templates: Templates, execution: execution_pb2.Execution, phase: str, console_url: str
) -> Message:
    substitutions = values(execution, phase, console_url)
    return Message(
        render(templates.subject, substitutions),
        render(templates.body, substitutions),
        render(templates.slack, substitutions),
    )

"""Workflows whose tasks run on flytekit's own agent server instead of as processes.

Start the agent server the local system's agents service fronts, then run one::

    pyflyte serve agent --port 8890 &
    pyflyte run --remote --project demo --domain development examples/agents.py \\
        sensed --path /tmp/ready --url http://127.0.0.1:8088/healthcheck

- ``sensed(path, url)``: flytekit's ``FileSensor`` (an async agent task) waits until ``path``
  exists; then its webhook task (a sync agent task) GETs ``url`` and a Python task reports the
  webhook's status code: ``"<path> found; webhook answered 200"``.
"""

from __future__ import annotations

from flytekit import task, workflow
from flytekit.extras.webhook import WebhookTask
from flytekit.sensor.file_sensor import FileSensor

wait_for_file = FileSensor(name="wait_for_file")

call_webhook = WebhookTask(
    name="call_webhook", url="{inputs.url}", method="GET", dynamic_inputs={"url": str}
)


@task
def report(path: str, answer: dict) -> str:
    return f"{path} found; webhook answered {answer['status_code']}"


@workflow
def sensed(path: str, url: str) -> str:
    waited = wait_for_file(path=path)
    answer = call_webhook(url=url)
    waited >> answer
    return report(path=path, answer=answer)

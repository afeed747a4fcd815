"""Operators watching traces: with Jaeger in the local stack (`deploy/local/up jaeger`), every
service exports OTLP to it, and one `pyflyte run --remote` is one trace across the services,
read back through Jaeger's query API."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

TRACE_DEADLINE_SECONDS = 60
RUN_DEADLINE_SECONDS = 300
SEARCHED_SERVICES = ("flightdeck-admin", "flightdeck-executor", "flightdeck-events-gateway")
# CreateExecution, the command through Kafka, the task's events and their projection.
PATH_OF_A_RUN = {
    "flightdeck-admin",
    "flightdeck-executor",
    "flightdeck-events-gateway",
    "flightdeck-events-projector",
}


def _jaeger(ports: dict[str, str]) -> str:
    url = f"http://127.0.0.1:{ports['FLIGHTDECK_JAEGER_UI_PORT']}"
    try:
        httpx.get(f"{url}/api/services", timeout=5).raise_for_status()
    except httpx.HTTPError as error:
        pytest.fail(f"Jaeger does not answer at {url} (deploy/local/up jaeger): {error}")
    return url


def _traces_naming(jaeger: str, text: str, since_us: int) -> list[dict[str, Any]]:
    """Traces since ``since_us`` (µs) in which some span or log names ``text``."""
    found: dict[str, dict[str, Any]] = {}
    for service in SEARCHED_SERVICES:
        answer = httpx.get(
            f"{jaeger}/api/traces",
            params={"service": service, "start": since_us, "limit": 500},
            timeout=30,
        )
        for trace in answer.json().get("data") or []:
            if text in json.dumps(trace):
                found[trace["traceID"]] = trace
    return list(found.values())


def _spans_by_service(trace: dict[str, Any]) -> dict[str, int]:
    processes = {key: p["serviceName"] for key, p in trace["processes"].items()}
    counts: dict[str, int] = {}
    for span in trace["spans"]:
        service = processes[span["processID"]]
        counts[service] = counts.get(service, 0) + 1
    return counts


def _client_systems(trace: dict[str, Any]) -> set[str]:
    """The backends the trace's client spans reach (``db.system``, ``messaging.system``)."""
    return {
        str(tag["value"])
        for span in trace["spans"]
        for tag in span["tags"]
        if tag["key"] in ("db.system", "messaging.system")
    }


@pytest.mark.timeout(900)
def test_a_run_is_one_trace_across_at_least_four_services(
    example_runs: Any, running_system: dict[str, str], wait_for: Callable[..., Any]
) -> None:
    jaeger = _jaeger(running_system)
    since_us = int(time.time() * 1_000_000)
    name = example_runs.launch("quickstart", {"name": "traced"})
    example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)

    def widest() -> dict[str, Any] | None:
        traces = _traces_naming(jaeger, name, since_us)
        trace = max(traces, key=lambda t: len(_spans_by_service(t)), default=None)
        if trace is None or not set(_spans_by_service(trace)) >= PATH_OF_A_RUN:
            return None
        return trace

    trace = wait_for(
        widest, TRACE_DEADLINE_SECONDS, f"a trace of {name} from admin to the projector", 2.0
    )
    counts = _spans_by_service(trace)
    assert len(counts) >= 4, counts
    assert {"mongodb", "kafka"} <= _client_systems(trace), _client_systems(trace)

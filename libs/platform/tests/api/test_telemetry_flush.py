"""A span ended just before a service stops reaches the OTLP collector its settings name by the
time ``run_service`` returns, not five seconds later or never (the batch processor's delay).

The service runs in a child process: the tracer provider is process-wide and set once, and the
child also hosts the collector, so it can tell what had arrived when ``run_service`` returned
(before the interpreter's own exit handlers could flush anything)."""

from __future__ import annotations

import json
import subprocess
import sys

CHILD = """
import json, os
from concurrent import futures

import grpc
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc
from pydantic_settings import SettingsConfigDict

from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.settings import ServiceSettings

received = []


class Collector(trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request, context):
        received.extend(
            span.name
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        )
        return trace_service_pb2.ExportTraceServiceResponse()


collector = grpc.server(futures.ThreadPoolExecutor(2))
trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Collector(), collector)
port = collector.add_insecure_port("127.0.0.1:0")
collector.start()
os.environ["FLUSH_TEST_TELEMETRY__OTLP_ENDPOINT"] = f"http://127.0.0.1:{port}"


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="FLUSH_TEST_", env_nested_delimiter="__")


async def serve(settings):
    with trace.get_tracer("flush-test").start_as_current_span("last words before stopping"):
        pass


run_service("flush-test", Settings, serve, [])
print(json.dumps(received), flush=True)
collector.stop(0)
"""


def test_spans_ended_just_before_shutdown_are_exported() -> None:
    child = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, timeout=60, check=False
    )
    assert child.returncode == 0, child.stderr
    exported = json.loads(child.stdout.strip().splitlines()[-1])
    assert exported == ["last words before stopping"]

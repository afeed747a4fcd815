#!/usr/bin/env python3
"""Run flightdeck's service processes against the local stack (deploy/local/up).

`make run` uses it in the foreground: every service's log lines prefixed with its name, Ctrl-C
stops them all. The end-to-end tests import it to start the same processes the same way.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
PORTS_FILE = HERE / "ports.env"
READY_TIMEOUT_SECONDS = 60.0


def ports() -> dict[str, str]:
    """ports.env's defaults, overridden by the environment, as the shell scripts do."""
    pattern = re.compile(r':\s*"\$\{(\w+):=([^}]*)\}"')
    found = dict(pattern.findall(PORTS_FILE.read_text()))
    return {name: os.environ.get(name, default) for name, default in found.items()}


@dataclass(frozen=True)
class Service:
    name: str
    module: str
    env_prefix: str
    grpc_port_key: str | None
    http_port_key: str
    replica: int = 0  # its ports are ports.env's plus replica * FLIGHTDECK_REPLICA_PORT_STEP

    @property
    def label(self) -> str:
        return self.name if self.replica == 0 else f"{self.name}-{self.replica + 1}"

    def port(self, key: str) -> str:
        p = ports()
        return str(int(p[key]) + self.replica * int(p["FLIGHTDECK_REPLICA_PORT_STEP"]))


SERVICES = (
    Service(
        "admin",
        "flightdeck_admin",
        "FLIGHTDECK_ADMIN_",
        "FLIGHTDECK_ADMIN_GRPC_PORT",
        "FLIGHTDECK_ADMIN_HTTP_PORT",
    ),
    Service(
        "events-gateway",
        "flightdeck_events.gateway_server",
        "FLIGHTDECK_EVENTS_GATEWAY_",
        "FLIGHTDECK_EVENTS_GATEWAY_GRPC_PORT",
        "FLIGHTDECK_EVENTS_GATEWAY_HTTP_PORT",
    ),
    Service(
        "events-projector",
        "flightdeck_events.app",
        "FLIGHTDECK_EVENTS_PROJECTOR_",
        None,
        "FLIGHTDECK_EVENTS_PROJECTOR_HTTP_PORT",
    ),
    Service(
        "dataproxy",
        "flightdeck_dataproxy",
        "FLIGHTDECK_DATAPROXY_",
        "FLIGHTDECK_DATAPROXY_GRPC_PORT",
        "FLIGHTDECK_DATAPROXY_HTTP_PORT",
    ),
    Service(
        "signals",
        "flightdeck_signals",
        "FLIGHTDECK_SIGNALS_",
        "FLIGHTDECK_SIGNALS_GRPC_PORT",
        "FLIGHTDECK_SIGNALS_HTTP_PORT",
    ),
    Service(
        "executor",
        "flightdeck_executor",
        "FLIGHTDECK_EXECUTOR_",
        None,
        "FLIGHTDECK_EXECUTOR_HTTP_PORT",
    ),
    Service(
        "scheduler",
        "flightdeck_scheduler",
        "FLIGHTDECK_SCHEDULER_",
        None,
        "FLIGHTDECK_SCHEDULER_HTTP_PORT",
    ),
    Service(
        "notifications",
        "flightdeck_notifications",
        "FLIGHTDECK_NOTIFICATIONS_",
        None,
        "FLIGHTDECK_NOTIFICATIONS_HTTP_PORT",
    ),
    Service(
        "agents",
        "flightdeck_agents",
        "FLIGHTDECK_AGENTS_",
        "FLIGHTDECK_AGENTS_GRPC_PORT",
        "FLIGHTDECK_AGENTS_HTTP_PORT",
    ),
    Service(
        "console",
        "flightdeck_console",
        "FLIGHTDECK_CONSOLE_",
        None,
        "FLIGHTDECK_CONSOLE_HTTP_PORT",
    ),
)


# A timer loop rather than a server or a consumer-group member: nothing balances work to it.
SINGLETONS = frozenset({"scheduler"})


def members(count: int | None = None) -> tuple[Service, ...]:
    """Every process `make run` starts: each service, and its replicas beyond the first."""
    count = int(ports()["FLIGHTDECK_REPLICAS"]) if count is None else count
    return tuple(
        replace(service, replica=i)
        for service in SERVICES
        for i in range(1 if service.name in SINGLETONS else max(count, 1))
    )


def jaeger_otlp_endpoint() -> str | None:
    """Jaeger's OTLP receiver when `deploy/local/up jaeger` runs it: then every service
    exports its spans there, with nothing to configure."""
    port = int(ports()["FLIGHTDECK_JAEGER_OTLP_PORT"])
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return f"http://127.0.0.1:{port}"
    except OSError:
        return None


def auth_env(service: Service, p: dict[str, str]) -> dict[str, str]:
    """FLIGHTDECK_AUTH=1: tokens required everywhere, issued by admin's built-in server at the
    edge (its issuer and the tokens' audience); each internal client uses its own account."""
    return {
        f"{service.env_prefix}AUTH__ENABLED": "true",
        f"{service.env_prefix}AUTH__PUBLIC_URL": f"http://127.0.0.1:{p['FLIGHTDECK_EDGE_HTTP_PORT']}",
    }


def service_env(service: Service, log_format: str) -> dict[str, str]:
    p = ports()
    prefix = service.env_prefix
    env = {
        f"{prefix}SERVER__HTTP_PORT": service.port(service.http_port_key),
        f"{prefix}LOGGING__FORMAT": log_format,
        f"{prefix}MONGO__URL": f"mongodb://127.0.0.1:{p['FLIGHTDECK_MONGO_PORT']}/",
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": f"127.0.0.1:{p['FLIGHTDECK_KAFKA_PORT']}",
        f"{prefix}REDIS__URL": f"redis://127.0.0.1:{p['FLIGHTDECK_REDIS_PORT']}/0",
        f"{prefix}STORAGE__LOCAL_ROOT": str(REPO / "var" / "storage"),
        f"{prefix}STORAGE__PUBLIC_URL": f"http://127.0.0.1:{p['FLIGHTDECK_EDGE_HTTP_PORT']}",
        f"{prefix}ADMIN__TARGET": f"127.0.0.1:{p['FLIGHTDECK_ADMIN_GRPC_PORT']}",
        f"{prefix}CONTROL_PLANE__TARGET": f"127.0.0.1:{p['FLIGHTDECK_EDGE_GRPC_PORT']}",
        f"{prefix}PUBLIC_URL": f"http://127.0.0.1:{p['FLIGHTDECK_EDGE_HTTP_PORT']}",
        f"{prefix}WORK_DIR": str(REPO / "var" / "executor" / "work"),
        f"{prefix}AGENTS__TARGET": f"127.0.0.1:{p['FLIGHTDECK_AGENTS_GRPC_PORT']}",
    }
    if service.grpc_port_key:
        env[f"{prefix}SERVER__GRPC_PORT"] = service.port(service.grpc_port_key)
    otlp = jaeger_otlp_endpoint()
    if otlp is not None and f"{prefix}TELEMETRY__OTLP_ENDPOINT" not in os.environ:
        env[f"{prefix}TELEMETRY__OTLP_ENDPOINT"] = otlp
    if otlp is not None and service.name == "console":
        # The pages link each execution to its trace search in Jaeger's UI.
        env[f"{prefix}TRACES__UI_URL"] = f"http://localhost:{p['FLIGHTDECK_JAEGER_UI_PORT']}"
    if p["FLIGHTDECK_AUTH"] == "1":
        env.update(auth_env(service, p))
    if service.name == "admin":
        env[f"{prefix}SEED_PROJECTS"] = '["flytesnacks"]'  # pyflyte's default project
    if service.name == "agents":
        # flytekit's own agent server, which `pyflyte serve agent` runs (not started here).
        target = f"127.0.0.1:{p['FLIGHTDECK_AGENT_SERVER_PORT']}"
        env[f"{prefix}SERVERS"] = json.dumps([{"name": "flytekit", "target": target}])
    return {**os.environ, **env}


def http_url(service: Service, path: str) -> str:
    return f"http://127.0.0.1:{service.port(service.http_port_key)}{path}"


def answers(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def start(service: Service, log_format: str, output: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", service.module],
        cwd=REPO,
        env=service_env(service, log_format),
        stdout=output,
        stderr=subprocess.STDOUT if output is not None else None,
    )


def wait_ready(
    services: tuple[Service, ...], processes: dict[str, subprocess.Popen[bytes]]
) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    pending = list(services)
    while pending:
        for service in list(pending):
            process = processes.get(service.label)
            if process is not None and process.poll() is not None:
                raise RuntimeError(
                    f"{service.label} exited with {process.returncode} before it was ready"
                )
            if answers(http_url(service, "/readyz")) == 200:
                pending.remove(service)
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"not ready after {READY_TIMEOUT_SECONDS:.0f}s: {[s.label for s in pending]}"
            )
        time.sleep(0.2)


def stop(processes: dict[str, subprocess.Popen[bytes]]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for name, process in processes.items():
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            print(f"[run] {name} did not stop in time; killing it", file=sys.stderr)
            process.kill()
            process.wait()


def _relay(name: str, stream: object) -> None:
    width = max(len(s.label) for s in members())
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        sys.stdout.write(f"{name:<{width}} | {raw.decode(errors='replace')}")
        sys.stdout.flush()


def _client_config(p: dict[str, str]) -> str:
    """flytekit's admin section for this stack: with FLIGHTDECK_AUTH=1, the README's
    client-credentials account whose secret admin generated."""
    lines = [
        "  admin:",
        f"    endpoint: dns:///localhost:{p['FLIGHTDECK_EDGE_GRPC_PORT']}",
        "    insecure: true",
    ]
    if p["FLIGHTDECK_AUTH"] == "1":
        secret = REPO / "var" / "auth" / "clients" / "flytepropeller"
        lines += [
            "    authType: ClientSecret",
            "    clientId: flytepropeller",
            f"    clientSecretLocation: {secret}",
        ]
    return "\n".join(lines)


def banner() -> str:
    p = ports()
    # deploy/local/flytekit.yaml has no credentials: with auth on, pyflyte reads ~/.flyte.
    config = "" if p["FLIGHTDECK_AUTH"] == "1" else " --config deploy/local/flytekit.yaml"
    return f"""
flightdeck is running{" with authentication on" if p["FLIGHTDECK_AUTH"] == "1" else ""}.
  gRPC (edge)  localhost:{p["FLIGHTDECK_EDGE_GRPC_PORT"]}
  HTTP (edge)  http://localhost:{p["FLIGHTDECK_EDGE_HTTP_PORT"]}
               try /api/v1/version and /healthcheck
flytekit config (~/.flyte/config.yaml, or pass --config):
{_client_config(p)}
Run a workflow (tasks run as local processes of this checkout's Python; images are not pulled):
  uv run pyflyte{config} run --remote --wait \\
      examples/workflows.py quickstart --name you
Ctrl-C stops the services; `make down` stops Kafka, FerretDB, Redis and nginx.
"""


def _first_exited(processes: dict[str, subprocess.Popen[bytes]]) -> str | None:
    return next((name for name, p in processes.items() if p.poll() is not None), None)


def run_foreground() -> int:
    """Ctrl-C reaches the whole process group: the services stop themselves, and this loop
    only has to tell that shutdown from a service dying on its own."""
    processes: dict[str, subprocess.Popen[bytes]] = {}
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    try:
        running = members()
        for service in running:
            processes[service.label] = start(service, "text", subprocess.PIPE)
            relay = threading.Thread(
                target=_relay, args=(service.label, processes[service.label].stdout), daemon=True
            )
            relay.start()
        wait_ready(running, processes)
        print(banner(), flush=True)
        while not stopping.wait(0.5):
            exited = _first_exited(processes)
            if exited is not None and not stopping.wait(1.0):
                print(f"[run] {exited} exited; stopping the others", file=sys.stderr)
                return 1
    finally:
        print("\n[run] stopping services", file=sys.stderr)
        stop(processes)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run", "ports"])
    args = parser.parse_args()
    if args.command == "ports":
        for key, value in ports().items():
            print(f"{key}={value}")
        return 0
    return run_foreground()


if __name__ == "__main__":
    sys.exit(main())

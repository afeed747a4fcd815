"""Cross-service fixtures: the running system behind the edge, started as a user starts it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _load_launcher() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "local_services", REPO / "deploy/local/services.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


launcher = _load_launcher()


@pytest.fixture(scope="session")
def ports() -> dict[str, str]:
    return launcher.ports()


@pytest.fixture(scope="session")
def running_system(ports: dict[str, str]) -> Iterator[dict[str, str]]:
    """Every service process, ready. Services already answering (a `make run` elsewhere) are
    reused; the ones started here are stopped at the end of the session."""
    missing = tuple(
        s for s in launcher.SERVICES if launcher.answers(launcher.http_url(s, "/readyz")) != 200
    )
    log_dir = REPO / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    logs = {}
    try:
        for service in missing:
            logs[service.name] = open(log_dir / f"test-{service.name}.log", "wb")  # noqa: SIM115
            processes[service.name] = launcher.start(service, "json", logs[service.name].fileno())
        launcher.wait_ready(missing, processes)
        yield ports
    finally:
        launcher.stop(processes)
        for log in logs.values():
            log.close()


@pytest.fixture
def edge_grpc_target(running_system: dict[str, str]) -> str:
    return f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"


@pytest.fixture
def edge_http_url(running_system: dict[str, str]) -> str:
    return f"http://127.0.0.1:{running_system['FLIGHTDECK_EDGE_HTTP_PORT']}"

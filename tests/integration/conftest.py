"""Addresses of the local stack (deploy/local/up), read like the shell scripts read them:
ports.env's defaults, overridden by environment variables of the same names."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PORTS_ENV = REPO / "deploy" / "local" / "ports.env"
_DEFAULT = re.compile(r':\s*"\$\{(?P<name>\w+):=(?P<value>[^}]*)\}"')


def _stack_ports() -> dict[str, int]:
    defaults = {m["name"]: m["value"] for m in _DEFAULT.finditer(PORTS_ENV.read_text())}
    return {name: int(os.environ.get(name, value)) for name, value in defaults.items()}


def _require_listening(component: str, port: int) -> None:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        pytest.fail(f"{component} is not answering on 127.0.0.1:{port}; run deploy/local/up ({e})")


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def stack_ports() -> dict[str, int]:
    return _stack_ports()


@pytest.fixture(scope="session")
def kafka_bootstrap(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_KAFKA_PORT"]
    _require_listening("kafka", port)
    return f"127.0.0.1:{port}"


@pytest.fixture(scope="session")
def mongo_url(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_MONGO_PORT"]
    _require_listening("ferretdb", port)
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


@pytest.fixture(scope="session")
def redis_url(stack_ports: dict[str, int]) -> str:
    port = stack_ports["FLIGHTDECK_REDIS_PORT"]
    _require_listening("redis", port)
    return f"redis://127.0.0.1:{port}/0"

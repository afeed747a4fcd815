"""What every service's ``main`` does around its own composition: flags, settings, logs and
traces before; the telemetry flushed after."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from flightdeck_platform.build_info import build_info
from flightdeck_platform.logs import configure_logging
from flightdeck_platform.settings import SettingsT, load_settings
from flightdeck_platform.telemetry import configure_tracing, shutdown_telemetry


def run_service(
    name: str,
    settings_cls: type[SettingsT],
    serve: Callable[[SettingsT], Coroutine[Any, Any, None]],
    argv: Sequence[str] | None = None,
) -> None:
    parser = argparse.ArgumentParser(prog=name, description=f"{name}, part of flightdeck")
    parser.add_argument("--config", help="YAML settings file (also: env FLIGHTDECK_CONFIG)")
    settings = load_settings(settings_cls, parser.parse_args(argv).config)
    configure_logging(settings.logging, name)
    configure_tracing(settings.telemetry, name, build_info(name).version)
    try:
        asyncio.run(serve(settings))
    finally:
        shutdown_telemetry()

"""Tests only: admin as ``python -m flightdeck_admin`` runs it, except that the process dies at
the outbox checkpoint named on the command line (``after_insert`` or ``after_publish``), as
abruptly as a killed one would. Usage: ``python tests/integration/crashing_admin.py POINT``."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

from flightdeck_admin.server import SERVICE_NAME, serve
from flightdeck_admin.settings import AdminSettings
from flightdeck_platform.entrypoint import run_service

CRASHED = 75
"""The exit status of a process that reached its crash point."""


def crash_at(point: str) -> Callable[[str], None]:
    def checkpoint(reached: str) -> None:
        if reached == point:
            os._exit(CRASHED)

    return checkpoint


if __name__ == "__main__":
    crashing = functools.partial(serve, checkpoint=crash_at(sys.argv[1]))
    run_service(SERVICE_NAME, AdminSettings, crashing, [])

"""What became of an attempt's process, read from its directory alone, so that any executor on the
host (a restarted one, another replica) reaches the same answer.

When the lock is free the reader takes it for the few reads that follow, so no shim starts or
finishes meanwhile; as the shim writes ``exit.json`` before it lets go, a free lock and no outcome
means the shim died without recording one.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flightdeck_executor.domain.process_status import (
    Exited,
    Lost,
    NotLaunched,
    ProcessStatus,
    Running,
    Starting,
)
from flightdeck_executor.processes.attempt_files import (
    EXITED,
    LAUNCH,
    LOCK,
    LOST,
    STARTED,
    lock_if_free,
    read_json,
    replace_json,
)

STARTING_WINDOW = timedelta(seconds=10)
"""How long a launched shim may take to start before the attempt counts as lost."""


def read_status(attempt_dir: Path, now: datetime) -> ProcessStatus:
    launched = read_json(attempt_dir / LAUNCH)
    if launched is None:
        return NotLaunched()
    with lock_if_free(attempt_dir / LOCK) as free:
        if free:
            return _nobody_alive(attempt_dir, launched, now)
        return _somebody_alive(attempt_dir)


def _nobody_alive(attempt_dir: Path, launched: dict[str, Any], now: datetime) -> ProcessStatus:
    outcome = _outcome(attempt_dir)
    if outcome is not None:
        return outcome
    if (attempt_dir / STARTED).exists() or (attempt_dir / LOST).exists():
        return Lost()
    if now - datetime.fromisoformat(launched["at"]) < STARTING_WINDOW:
        return Starting()
    # We hold the lock: a shim that turns up later finds this verdict and runs nothing.
    replace_json(attempt_dir / LOST, {"at": now.isoformat()})
    return Lost()


def _somebody_alive(attempt_dir: Path) -> ProcessStatus:
    outcome = _outcome(attempt_dir)
    if outcome is not None:
        return outcome
    started = read_json(attempt_dir / STARTED)
    if started is not None:
        return Running(started["pid"])
    if (attempt_dir / LOST).exists():
        return Lost()
    return Starting()


def _outcome(attempt_dir: Path) -> Exited | None:
    recorded = read_json(attempt_dir / EXITED)
    if recorded is None:
        return None
    return Exited(recorded["exit_code"], recorded["signal"])

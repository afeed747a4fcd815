"""Supervises one task process the way a pod does: it outlives the executor and records how the
task ended, so whichever executor runs next can learn the outcome from the attempt directory.

Run as ``python -I -m flightdeck_executor.processes.shim <attempt_dir> -- <argv...>`` in a session
of its own. It holds an exclusive flock on ``<attempt_dir>/lock`` for its whole life and hands it
down to the task, so the lock is free only once nothing of the attempt is alive. It writes
``started.json`` once the task runs and ``exit.json`` once it ended (both atomically).

Stdlib only, no flightdeck imports: it must start fast and must not depend on the environment the
task is given. The file names are those of ``attempt_files``.
"""

from __future__ import annotations

import fcntl
import json
import os
import secrets
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

USAGE = 2
REFUSED = 75
"""The attempt already ran, or a reader declared it lost before this shim got going."""
CANNOT_RUN = 127
"""As a shell reports a program it cannot start."""


def main(args: list[str]) -> int:
    if len(args) < 3 or args[1] != "--":
        print("usage: shim <attempt_dir> -- <argv...>", file=sys.stderr)
        return USAGE
    attempt_dir, argv = Path(args[0]), args[2:]
    lock = _hold_lock(attempt_dir)
    if _already_decided(attempt_dir):
        return REFUSED
    _outlive_termination()
    try:
        child = subprocess.Popen(argv, stderr=subprocess.STDOUT, pass_fds=(lock,))
    except OSError as error:
        print(f"flightdeck: cannot start {argv[0]!r}: {error}", file=sys.stderr, flush=True)
        _write_json(attempt_dir / "exit.json", _outcome(CANNOT_RUN))
        return CANNOT_RUN
    started = {"pid": child.pid, "shim_pid": os.getpid(), "started_at": _now()}
    _write_json(attempt_dir / "started.json", started)
    _write_json(attempt_dir / "exit.json", _outcome(child.wait()))
    return 0


def _hold_lock(attempt_dir: Path) -> int:
    # Blocking: a status reader holds the lock for an instant while it looks.
    fd = os.open(attempt_dir / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def _already_decided(attempt_dir: Path) -> bool:
    return any((attempt_dir / name).exists() for name in ("started.json", "exit.json", "lost.json"))


def _outlive_termination() -> None:
    # A handler rather than SIG_IGN: handlers reset to the default on exec, so the task (which
    # shares our process group) still dies of the group's SIGTERM while we stay to record it.
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: None)


def _outcome(returncode: int) -> dict[str, Any]:
    if returncode < 0:
        return {"exit_code": None, "signal": -returncode, "finished_at": _now()}
    return {"exit_code": returncode, "signal": None, "finished_at": _now()}


def _write_json(path: Path, payload: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with tmp.open("w") as file:
        json.dump(payload, file)
        file.flush()
        os.fsync(file.fileno())
    os.replace(tmp, path)


def _now() -> str:
    return datetime.now(UTC).isoformat()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

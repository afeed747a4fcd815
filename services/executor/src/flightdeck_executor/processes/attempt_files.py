"""The files of one attempt directory, and how they are written and read.

In order: ``launch.json`` (by the launcher, before anything runs, never twice), ``lock`` (held by
the shim and the task for their whole life), ``started.json``, ``exit.json``, and ``task.log``
throughout. ``lost.json`` is the verdict of a reader that found a launch whose shim never started;
it is written under the lock, so a shim that starts late sees it and runs nothing.
The shim writes its own files without importing this module; the names must stay in step.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

LAUNCH = "launch.json"
STARTED = "started.json"
EXITED = "exit.json"
LOST = "lost.json"
LOCK = "lock"
LOG = "task.log"
SHIM_MODULE = "flightdeck_executor.processes.shim"


def create_json(path: Path, payload: Mapping[str, Any]) -> None:
    """Writes ``path`` whole, and only if it does not exist yet: FileExistsError otherwise.

    A hard link fails if the name is taken, which makes the check and the write one step even
    between executors racing on the same directory."""
    tmp = _write_tmp(path, payload)
    try:
        os.link(tmp, path)
    finally:
        tmp.unlink()


def replace_json(path: Path, payload: Mapping[str, Any]) -> None:
    os.replace(_write_tmp(path, payload), path)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        return dict(json.loads(path.read_bytes()))
    except FileNotFoundError:
        return None


@contextlib.contextmanager
def lock_if_free(path: Path) -> Iterator[bool]:
    """Yields whether nobody held the attempt's lock; if nobody did, we hold it until the block
    ends, so no shim can start or finish meanwhile."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            free = True
        except BlockingIOError:
            free = False
        yield free
    finally:
        os.close(fd)


def _write_tmp(path: Path, payload: Mapping[str, Any]) -> Path:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with tmp.open("w") as file:
        json.dump(payload, file)
        file.flush()
        os.fsync(file.fileno())
    return tmp

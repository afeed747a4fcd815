"""Task attempts as local processes, standing in for pods: each runs under a shim in a session of
its own, so it outlives the executor, and everything about it lives in its attempt directory, so
a restarted executor (or another replica on the host) adopts it from there.

Errors: ``AlreadyLaunched`` when an attempt directory was launched before, by anyone.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from flightdeck_executor.domain.process_status import ProcessStatus, Running, Starting
from flightdeck_executor.processes.attempt_files import (
    LAUNCH,
    LOG,
    LOST,
    SHIM_MODULE,
    STARTED,
    create_json,
    read_json,
    replace_json,
)
from flightdeck_executor.processes.exits import wait_exited
from flightdeck_executor.processes.status import STARTING_WINDOW, read_status

POLL_SECONDS = 0.05
RECORD_SECONDS = 2.0
"""How long a killed attempt gets to record its outcome (or release its lock) after SIGKILL."""


class AlreadyLaunched(Exception):
    """The attempt directory holds a launch already; an attempt never runs twice."""


class LocalProcesses:
    def __init__(self, python_executable: str, wake: Callable[[], None] | None = None) -> None:
        self._python = python_executable
        self._wake = wake
        self._watches: set[asyncio.Task[None]] = set()
        self._shims: set[subprocess.Popen[bytes]] = set()
        """Kept until reaped: a dropped Popen of a running process warns."""

    async def launch(
        self, attempt_dir: Path, argv: Sequence[str], env: Mapping[str, str], cwd: Path
    ) -> None:
        _claim(attempt_dir, argv, cwd)
        try:
            shim = self._spawn(attempt_dir, argv, env, cwd)
        except OSError:
            # No shim exists to race with: the attempt is settled as lost, never retried in place.
            replace_json(attempt_dir / LOST, {"at": _now().isoformat()})
            raise
        self._watch(shim)

    async def status(self, attempt_dir: Path) -> ProcessStatus:
        return read_status(attempt_dir, _now())

    async def kill(self, attempt_dir: Path, grace_seconds: float = 5.0) -> None:
        """SIGTERM to the attempt's process group, SIGKILL after the grace; a no-op once the
        attempt is over. Signals go only where the attempt's lock is still held."""
        status = await self._past_starting(attempt_dir)
        started = read_json(attempt_dir / STARTED)
        if not isinstance(status, Running) or started is None:
            return
        group = started["shim_pid"]
        _signal_group(group, signal.SIGTERM)
        if await self._over_within(attempt_dir, grace_seconds):
            return
        # The task first, so that the shim lives to record signal 9; then whatever is left.
        _signal_member(status.pid, group, signal.SIGKILL)
        if await self._over_within(attempt_dir, RECORD_SECONDS):
            return
        if isinstance(await self.status(attempt_dir), Running):
            _signal_group(group, signal.SIGKILL)
        await self._over_within(attempt_dir, RECORD_SECONDS)

    def log_tail(self, attempt_dir: Path, max_bytes: int = 4096) -> str:
        try:
            with (attempt_dir / LOG).open("rb") as log:
                log.seek(max(0, log.seek(0, os.SEEK_END) - max_bytes))
                tail = log.read(max_bytes)
        except FileNotFoundError:
            return ""
        return _from_char_boundary(tail).decode(errors="replace")

    def started_at(self, attempt_dir: Path) -> datetime | None:
        started = read_json(attempt_dir / STARTED)
        return None if started is None else datetime.fromisoformat(started["started_at"])

    async def aclose(self) -> None:
        """Stops watching the shims this instance started; they run on, to be adopted."""
        for watch in self._watches:
            watch.cancel()
        await asyncio.gather(*self._watches, return_exceptions=True)
        self._shims = {shim for shim in self._shims if shim.poll() is None}

    def _spawn(
        self, attempt_dir: Path, argv: Sequence[str], env: Mapping[str, str], cwd: Path
    ) -> subprocess.Popen[bytes]:
        # -I: the task's environment (PYTHONPATH, PYTHONHOME...) must not reach the shim itself.
        command = [self._python, "-I", "-m", SHIM_MODULE, str(attempt_dir), "--", *argv]
        with (attempt_dir / LOG).open("ab") as log:
            return subprocess.Popen(
                command,
                env=dict(env),
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )

    def _watch(self, shim: subprocess.Popen[bytes]) -> None:
        self._shims.add(shim)
        watch = asyncio.create_task(self._wake_after(shim))
        self._watches.add(watch)
        watch.add_done_callback(self._watches.discard)

    async def _wake_after(self, shim: subprocess.Popen[bytes]) -> None:
        await wait_exited(shim)
        self._shims.discard(shim)
        if self._wake is not None:
            self._wake()

    async def _past_starting(self, attempt_dir: Path) -> ProcessStatus:
        # Nothing can be signalled before the shim says who it is; it turns Lost in the end.
        deadline = time.monotonic() + STARTING_WINDOW.total_seconds() + 1
        status = await self.status(attempt_dir)
        while isinstance(status, Starting) and time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            status = await self.status(attempt_dir)
        return status

    async def _over_within(self, attempt_dir: Path, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while isinstance(await self.status(attempt_dir), Running | Starting):
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(POLL_SECONDS)
        return True


def _claim(attempt_dir: Path, argv: Sequence[str], cwd: Path) -> None:
    attempt_dir.mkdir(parents=True, exist_ok=True)
    cwd.mkdir(parents=True, exist_ok=True)
    try:
        create_json(attempt_dir / LAUNCH, {"argv": list(argv), "at": _now().isoformat()})
    except FileExistsError as error:
        raise AlreadyLaunched(str(attempt_dir)) from error


def _signal_group(group: int, signum: signal.Signals) -> None:
    # Safe while the lock is held: the holders are members of the group, and a group id cannot
    # be handed to a new process while the group has members.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signum)


def _signal_member(pid: int, group: int, signum: signal.Signals) -> None:
    if _group_of(pid) == group:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signum)


def _group_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    # The command name in parentheses may hold spaces; the fields after it are fixed.
    return int(stat[stat.rindex(")") + 2 :].split()[2])


def _from_char_boundary(tail: bytes) -> bytes:
    """Drops the UTF-8 continuation bytes a byte-wise cut may have left at the start."""
    skip = 0
    while skip < min(3, len(tail)) and tail[skip] & 0xC0 == 0x80:
        skip += 1
    return tail[skip:]


def _now() -> datetime:
    return datetime.now(UTC)

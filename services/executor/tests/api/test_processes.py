"""LocalProcesses against real processes: launch, outcome, kill, and what a restarted executor
finds in the attempt directory (adoption, lost shims, launches whose shim never started)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from flightdeck_executor.domain.process_status import (
    Exited,
    Lost,
    NotLaunched,
    ProcessStatus,
    Running,
    Starting,
)
from flightdeck_executor.processes.attempt_files import (
    LAUNCH,
    LOCK,
    SHIM_MODULE,
    STARTED,
    create_json,
    lock_if_free,
    read_json,
)
from flightdeck_executor.processes.local import AlreadyLaunched, LocalProcesses

DEADLINE_SECONDS = 10.0
WAIT_FOR_FILE = (
    "import os, sys, time\nwhile not os.path.exists(sys.argv[1]): time.sleep(0.02)\nprint('done')"
)
EXECUTOR = """
import asyncio, os, sys
from pathlib import Path
from flightdeck_executor.processes.local import LocalProcesses

async def main():
    attempt_dir, code = Path(sys.argv[1]), sys.argv[2:]
    argv = [sys.executable, "-c", *code]
    await LocalProcesses(sys.executable).launch(attempt_dir, argv, dict(os.environ), attempt_dir)
    print("launched", flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""
IGNORE_SIGTERM = (
    "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "print('ready', flush=True)\ntime.sleep(60)"
)


@pytest.fixture
async def woken() -> asyncio.Event:
    return asyncio.Event()


@pytest.fixture
async def processes(tmp_path: Path, woken: asyncio.Event) -> AsyncIterator[LocalProcesses]:
    local = LocalProcesses(sys.executable, wake=woken.set)
    try:
        yield local
    finally:
        await _kill_everything_under(tmp_path)
        await local.aclose()


async def _kill_everything_under(root: Path) -> None:
    for attempt_dir in _kill_all(root):
        await _until(lambda attempt_dir=attempt_dir: _lock_free(attempt_dir))


def _kill_all(root: Path) -> list[Path]:
    attempt_dirs = []
    for started_file in root.rglob(STARTED):
        started = read_json(started_file)
        assert started is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(started["shim_pid"], signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.kill(started["pid"], signal.SIGKILL)
        attempt_dirs.append(started_file.parent)
    return attempt_dirs


def _lock_free(attempt_dir: Path) -> bool:
    with lock_if_free(attempt_dir / LOCK) as free:
        return free


async def _until(condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def _status_until(
    processes: LocalProcesses, attempt_dir: Path, wanted: Callable[[ProcessStatus], bool]
) -> ProcessStatus:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not wanted(status := await processes.status(attempt_dir)):
        assert time.monotonic() < deadline, f"last status {status}"
        await asyncio.sleep(0.02)
    return status


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


async def _launch(processes: LocalProcesses, tmp_path: Path, *code: str) -> Path:
    attempt_dir = tmp_path / "attempt"
    await processes.launch(attempt_dir, [sys.executable, "-c", *code], dict(os.environ), tmp_path)
    return attempt_dir


async def _running(processes: LocalProcesses, attempt_dir: Path) -> Running:
    status = await _status_until(processes, attempt_dir, lambda s: not isinstance(s, Starting))
    assert isinstance(status, Running)
    return status


async def test_a_finished_child_is_exited_with_its_log(
    processes: LocalProcesses, tmp_path: Path, woken: asyncio.Event
) -> None:
    attempt_dir = await _launch(processes, tmp_path, "print('hi')")

    await asyncio.wait_for(woken.wait(), DEADLINE_SECONDS)

    assert await processes.status(attempt_dir) == Exited(exit_code=0, signal=None)
    assert processes.log_tail(attempt_dir) == "hi\n"
    assert processes.started_at(attempt_dir) is not None


async def test_a_failing_child_reports_its_exit_code_and_stderr(
    processes: LocalProcesses, tmp_path: Path, woken: asyncio.Event
) -> None:
    attempt_dir = await _launch(processes, tmp_path, "import sys; sys.exit('broken')")

    await asyncio.wait_for(woken.wait(), DEADLINE_SECONDS)

    assert await processes.status(attempt_dir) == Exited(exit_code=1, signal=None)
    assert processes.log_tail(attempt_dir).endswith("broken\n")


async def test_a_failing_child_reports_exit_code_three(
    processes: LocalProcesses, tmp_path: Path, woken: asyncio.Event
) -> None:
    attempt_dir = await _launch(processes, tmp_path, "raise SystemExit(3)")

    await asyncio.wait_for(woken.wait(), DEADLINE_SECONDS)

    assert await processes.status(attempt_dir) == Exited(exit_code=3, signal=None)


async def test_the_child_gets_the_given_env_and_cwd(
    processes: LocalProcesses, tmp_path: Path, woken: asyncio.Event
) -> None:
    cwd = tmp_path / "work" / "here"
    attempt_dir = tmp_path / "attempt"
    code = "import os; print(os.getcwd(), os.environ['FLAVOUR'])"

    await processes.launch(attempt_dir, [sys.executable, "-c", code], {"FLAVOUR": "plum"}, cwd)
    await asyncio.wait_for(woken.wait(), DEADLINE_SECONDS)

    assert processes.log_tail(attempt_dir) == f"{cwd} plum\n"


async def test_a_program_that_cannot_start_exits_127(
    processes: LocalProcesses, tmp_path: Path, woken: asyncio.Event
) -> None:
    attempt_dir = tmp_path / "attempt"

    await processes.launch(attempt_dir, [str(tmp_path / "missing")], {}, tmp_path)
    await asyncio.wait_for(woken.wait(), DEADLINE_SECONDS)

    assert await processes.status(attempt_dir) == Exited(exit_code=127, signal=None)
    assert "cannot start" in processes.log_tail(attempt_dir)


async def test_launching_twice_is_refused(processes: LocalProcesses, tmp_path: Path) -> None:
    attempt_dir = await _launch(processes, tmp_path, "print('once')")

    with pytest.raises(AlreadyLaunched):
        await _launch(processes, tmp_path, "print('twice')")

    await _status_until(processes, attempt_dir, lambda s: isinstance(s, Exited))
    assert processes.log_tail(attempt_dir) == "once\n"


async def test_an_empty_directory_is_not_launched(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    assert await processes.status(tmp_path) == NotLaunched()
    assert processes.started_at(tmp_path) is None
    assert processes.log_tail(tmp_path) == ""
    await processes.kill(tmp_path)


async def test_a_sleeper_runs_until_killed(processes: LocalProcesses, tmp_path: Path) -> None:
    attempt_dir = await _launch(processes, tmp_path, "import time; time.sleep(60)")
    running = await _running(processes, attempt_dir)
    assert _alive(running.pid)

    await processes.kill(attempt_dir)

    await _until(lambda: not _alive(running.pid))
    assert await processes.status(attempt_dir) == Exited(exit_code=None, signal=signal.SIGTERM)


async def test_a_child_ignoring_sigterm_is_killed_after_the_grace(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    attempt_dir = await _launch(processes, tmp_path, IGNORE_SIGTERM)
    running = await _running(processes, attempt_dir)
    await _until(lambda: "ready" in processes.log_tail(attempt_dir))

    await processes.kill(attempt_dir, grace_seconds=0.3)

    assert not _alive(running.pid)
    assert await processes.status(attempt_dir) == Exited(exit_code=None, signal=signal.SIGKILL)


async def test_killing_twice_is_harmless(processes: LocalProcesses, tmp_path: Path) -> None:
    attempt_dir = await _launch(processes, tmp_path, "import time; time.sleep(60)")
    await _running(processes, attempt_dir)

    await processes.kill(attempt_dir)
    await processes.kill(attempt_dir)

    assert isinstance(await processes.status(attempt_dir), Exited)


async def test_a_restarted_executor_adopts_a_running_attempt(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    release = tmp_path / "release"
    attempt_dir = await _launch(processes, tmp_path, WAIT_FOR_FILE, str(release))
    running = await _running(processes, attempt_dir)
    restarted = LocalProcesses(sys.executable)

    assert await restarted.status(attempt_dir) == running
    release.touch()

    exited = await _status_until(restarted, attempt_dir, lambda s: isinstance(s, Exited))
    assert exited == Exited(exit_code=0, signal=None)
    assert restarted.log_tail(attempt_dir) == "done\n"


async def test_the_task_outlives_a_sigkilled_executor(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    release, attempt_dir = tmp_path / "release", tmp_path / "attempt"
    code = [EXECUTOR, str(attempt_dir), WAIT_FOR_FILE, str(release)]
    with _start_executor(code) as executor:
        try:
            assert executor.stdout is not None
            assert executor.stdout.readline() == b"launched\n"
            running = await _running(processes, attempt_dir)
        finally:
            executor.kill()

    assert executor.wait() == -signal.SIGKILL
    assert await processes.status(attempt_dir) == running
    release.touch()
    exited = await _status_until(processes, attempt_dir, lambda s: isinstance(s, Exited))
    assert exited == Exited(exit_code=0, signal=None)


async def test_a_restarted_executor_kills_an_adopted_attempt(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    attempt_dir = await _launch(processes, tmp_path, "import time; time.sleep(60)")
    running = await _running(processes, attempt_dir)
    restarted = LocalProcesses(sys.executable)

    await restarted.kill(attempt_dir)

    await _until(lambda: not _alive(running.pid))
    assert await restarted.status(attempt_dir) == Exited(exit_code=None, signal=signal.SIGTERM)


async def test_a_shim_killed_with_its_task_leaves_the_attempt_lost(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    attempt_dir = await _launch(processes, tmp_path, "import time; time.sleep(60)")
    running = await _running(processes, attempt_dir)
    started = read_json(attempt_dir / STARTED)
    assert started is not None

    os.killpg(started["shim_pid"], signal.SIGKILL)

    await _status_until(processes, attempt_dir, lambda s: isinstance(s, Lost))
    assert not _alive(running.pid)
    await processes.kill(attempt_dir)
    assert await processes.status(attempt_dir) == Lost()


async def test_a_launch_whose_shim_never_started_is_starting_then_lost_for_good(
    processes: LocalProcesses, tmp_path: Path
) -> None:
    fresh, stale = tmp_path / "fresh", tmp_path / "stale"
    for attempt_dir, age in ((fresh, 0), (stale, 11)):
        attempt_dir.mkdir()
        at = datetime.now(UTC) - timedelta(seconds=age)
        create_json(attempt_dir / LAUNCH, {"argv": [], "at": at.isoformat()})
    marker = tmp_path / "ran"

    assert await processes.status(fresh) == Starting()
    assert await processes.status(stale) == Lost()
    late = _run_shim(stale, [sys.executable, "-c", f"open({str(marker)!r}, 'w')"])

    assert late.returncode != 0
    assert not marker.exists()
    assert await processes.status(stale) == Lost()


def _start_executor(code: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", *code], stdout=subprocess.PIPE)


def _run_shim(attempt_dir: Path, argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-I", "-m", SHIM_MODULE, str(attempt_dir), "--", *argv]
    return subprocess.run(command, capture_output=True, timeout=DEADLINE_SECONDS, check=False)

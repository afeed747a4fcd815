"""Workflows to try flightdeck with, from the first run to the executor's fault tests.

Run one on the local system (``make run``; a project must exist, see README.md here)::

    pyflyte run --remote --project demo --domain development examples/workflows.py tour --n 3

Every task is tiny and runs as a local process of the workspace's Python (images are not
pulled). The tests in ``tests/e2e/test_executor_*.py`` assert exactly what these compute:

- ``quickstart(name)``: ``"Hello, <name>!"``.
- ``tour(n)``: squares ``[1, 4, .., n*n]`` (a map task), their total and largest (a
  sub-workflow), ``"<total> is big"`` or ``small`` (a branch), the largest doubled ``n`` times
  (a dynamic task); ``n=3`` gives ``[1, 4, 9]``, ``14``, ``"14 is big"``, ``72``.
- ``fails(x)``: fails with a ``ValueError`` (``FAILURE_MESSAGE``).
- ``retries_once(marker_dir)``: ``1``; attempt 0 raises a recoverable error, attempt 1 succeeds
  (a local run does not retry, so it fails there).
- ``gated(x)``: ``x`` plus the integer signal ``extra``.
- ``sleeper(seconds, marker_dir)``: writes ``<marker_dir>/<pid>``, then sleeps.
- ``side_effects(count, marker_dir, seconds)``: ``1 + 2 + .. + count``; each task appends one
  line per run to a file of its own in ``marker_dir`` (``plan.log``, ``step-<i>.log``).
"""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

from flytekit import conditional, dynamic, map_task, task, wait_for_input, workflow
from flytekit.exceptions.user import FlyteRecoverableException

FAILURE_MESSAGE = "flightdeck example refuses x={x} on purpose"
SIGNAL_TIMEOUT = timedelta(minutes=30)
BIG_TOTAL = 10


def _attempt() -> int:
    """The retry attempt the executor runs (``FLYTE_ATTEMPT_NUMBER``); 0 in a local run."""
    return int(os.environ.get("FLYTE_ATTEMPT_NUMBER", "0"))


def _append_line(marker_dir: str, name: str, line: str) -> None:
    with open(Path(marker_dir) / f"{name}.log", "a") as marks:
        marks.write(line + "\n")


@task
def greet(name: str) -> str:
    greeting = f"Hello, {name}!"
    print(greeting)
    return greeting


@workflow
def quickstart(name: str = "flightdeck") -> str:
    return greet(name=name)


@task
def count_up(n: int) -> list[int]:
    print(f"counting up to {n}")
    return list(range(1, n + 1))


@task
def square(x: int) -> int:
    print(f"squaring {x}")
    return x * x


@task
def total(values: list[int]) -> int:
    print(f"adding {values}")
    return sum(values)


@task
def largest(values: list[int]) -> int:
    return max(values)


@workflow
def summarize(values: list[int]) -> tuple[int, int]:
    return total(values=values), largest(values=values)


@task
def describe(value: int, size: str) -> str:
    return f"{value} is {size}"


@task
def double(x: int) -> int:
    return x * 2


@dynamic
def double_times(x: int, times: int) -> int:
    """Built at run time: a chain of ``times`` doublings."""
    for _ in range(times):
        x = double(x=x)
    return x


class TourResult(NamedTuple):
    squares: list[int]
    total: int
    verdict: str
    doubled: int


@workflow
def tour(n: int = 3) -> TourResult:
    """A plain task, a map task, a sub-workflow, a branch and a dynamic task, in that order."""
    squares = map_task(square)(x=count_up(n=n))
    added, top = summarize(values=squares)
    verdict = (
        conditional("size")
        .if_(added > BIG_TOTAL)
        .then(describe(value=added, size="big"))
        .else_()
        .then(describe(value=added, size="small"))
    )
    return TourResult(
        squares=squares, total=added, verdict=verdict, doubled=double_times(x=top, times=n)
    )


@task
def refuse(x: int) -> None:
    raise ValueError(FAILURE_MESSAGE.format(x=x))


@workflow
def fails(x: int) -> None:
    refuse(x=x)


@task(retries=2)
def flaky(marker_dir: str) -> int:
    """Fails its first attempt with a recoverable error; returns the attempt that succeeded."""
    attempt = _attempt()
    _append_line(marker_dir, "flaky", f"attempt {attempt} pid {os.getpid()}")
    if attempt == 0:
        raise FlyteRecoverableException("first attempts of flaky always fail")
    return attempt


@workflow
def retries_once(marker_dir: str) -> int:
    return flaky(marker_dir=marker_dir)


@task
def add(x: int, y: int) -> int:
    return x + y


@workflow
def gated(x: int) -> int:
    extra = wait_for_input("extra", timeout=SIGNAL_TIMEOUT, expected_type=int)
    return add(x=x, y=extra)


@task
def nap(seconds: int, marker_dir: str) -> None:
    (Path(marker_dir) / str(os.getpid())).write_text(f"{os.getpid()}\n")
    time.sleep(seconds)


@workflow
def sleeper(seconds: int, marker_dir: str) -> None:
    nap(seconds=seconds, marker_dir=marker_dir)


@task
def step(index: int, previous: int, marker_dir: str, seconds: float) -> int:
    _append_line(marker_dir, f"step-{index}", f"step {index} attempt {_attempt()}")
    time.sleep(seconds)
    return previous + index


@dynamic
def run_steps(count: int, marker_dir: str, seconds: float) -> int:
    _append_line(marker_dir, "plan", f"plan of {count} steps attempt {_attempt()}")
    running_total = 0
    for index in range(1, count + 1):
        running_total = step(
            index=index, previous=running_total, marker_dir=marker_dir, seconds=seconds
        )
    return running_total


@workflow
def side_effects(count: int, marker_dir: str, seconds: float) -> int:
    return run_steps(count=count, marker_dir=marker_dir, seconds=seconds)

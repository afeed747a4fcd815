"""Cached tasks: the executor's task cache and CacheService eviction
(``tests/e2e/test_executor_caching.py``). Each task appends a line to a file in
``marker_dir`` each time it really runs, so a run served from the cache leaves no line.

    pyflyte run --remote --project demo --domain development examples/caching.py \\
        cached_square --x 3 --marker_dir /tmp/marks

- ``cached_square(x, marker_dir)``: ``x * x``; a second run with the same inputs is a cache hit.
- ``serialized_square(x, marker_dir, seconds)``: ``x * x`` after ``seconds``; concurrent runs
  with the same inputs run it once (``cache_serialize``), the others wait and hit.
"""

from __future__ import annotations

import time
from pathlib import Path

from flytekit import task, workflow


def _ran(marker_dir: str, name: str, x: int) -> None:
    with open(Path(marker_dir) / f"{name}-{x}.log", "a") as marks:
        marks.write("ran\n")


@task(cache=True, cache_version="1")
def square_once(x: int, marker_dir: str) -> int:
    _ran(marker_dir, "square_once", x)
    return x * x


@workflow
def cached_square(x: int, marker_dir: str) -> int:
    return square_once(x=x, marker_dir=marker_dir)


@task(cache=True, cache_version="1", cache_serialize=True)
def square_serialized(x: int, marker_dir: str, seconds: float) -> int:
    _ran(marker_dir, "square_serialized", x)
    time.sleep(seconds)
    return x * x


@workflow
def serialized_square(x: int, marker_dir: str, seconds: float = 0.0) -> int:
    return square_serialized(x=x, marker_dir=marker_dir, seconds=seconds)

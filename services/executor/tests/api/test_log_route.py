"""The log route: live logs from the work directory, archived ones from the object store, and
nothing else from anywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from flightdeck_executor.api.logs import log_routes

PREFIX = "/flightdeck/executor/logs"
LIVE = "p/d/run1/n0/0/task.log"
ARCHIVED = "p/d/run0/n0/0/task.log"


class Archive:
    def __init__(self) -> None:
        self.logs = {ARCHIVED: b"from the archive\n"}
        self.asked: list[str] = []

    async def read(self, path: str) -> bytes | None:
        self.asked.append(path)
        return self.logs.get(path)


@pytest.fixture
def archive() -> Archive:
    return Archive()


@pytest.fixture
def work_dir(tmp_path: Path) -> Path:
    work_dir = tmp_path / "work"
    (work_dir / LIVE).parent.mkdir(parents=True)
    (work_dir / LIVE).write_bytes("line one\nline twö\n".encode())
    (tmp_path / "task.log").write_text("outside")
    return work_dir


@pytest.fixture
async def http(work_dir: Path, archive: Archive) -> AsyncIterator[httpx.AsyncClient]:
    app = Starlette(routes=log_routes(work_dir, archive.read))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://executor") as client:
        yield client


async def test_a_live_log_is_served_as_utf8_text(http: httpx.AsyncClient) -> None:
    answer = await http.get(f"{PREFIX}/{LIVE}")

    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.text == "line one\nline twö\n"


async def test_tail_serves_the_last_bytes(http: httpx.AsyncClient) -> None:
    answer = await http.get(f"{PREFIX}/{LIVE}", params={"tail": "10"})

    assert answer.content == "line twö\n".encode()


async def test_a_malformed_tail_is_a_bad_request(http: httpx.AsyncClient) -> None:
    answer = await http.get(f"{PREFIX}/{LIVE}", params={"tail": "-5"})

    assert answer.status_code == 400


async def test_a_missing_log_comes_from_the_archive(
    http: httpx.AsyncClient, archive: Archive
) -> None:
    whole = await http.get(f"{PREFIX}/{ARCHIVED}")
    tail = await http.get(f"{PREFIX}/{ARCHIVED}", params={"tail": "8"})

    assert (whole.status_code, whole.text) == (200, "from the archive\n")
    assert tail.text == "archive\n"
    assert archive.asked == [ARCHIVED, ARCHIVED]


async def test_a_log_in_neither_place_is_not_found(http: httpx.AsyncClient) -> None:
    answer = await http.get(f"{PREFIX}/p/d/nothing/task.log")

    assert answer.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "%2E%2E/task.log",
        "p/%2E%2E/%2E%2E/%2E%2E/task.log",
        "%2Fetc%2Ftask.log",
        "p/d/run1/n0/0/other.log",
        "p/d/run1/n0/0",
        "linked/task.log",
    ],
)
async def test_anything_but_a_task_log_inside_the_work_dir_is_not_found(
    http: httpx.AsyncClient, archive: Archive, work_dir: Path, path: str
) -> None:
    (work_dir / "linked").symlink_to(work_dir.parent)
    (work_dir / LIVE).with_name("other.log").write_text("not a task log")

    answer = await http.get(f"{PREFIX}/{path}")

    assert answer.status_code == 404
    assert "outside" not in answer.text
    assert archive.asked == []

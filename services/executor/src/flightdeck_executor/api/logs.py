"""``GET /flightdeck/executor/logs/{path}``: a task attempt's log, live from the work directory
while it is there, else from the archive in the object store; ``?tail=<bytes>`` for the end only.

Only files named ``task.log`` inside the work directory are served. Anything else (``..``,
absolute paths, symlinks leading out) is answered 404 like a missing log, so the route reveals
nothing about other files; a ``tail`` that is not a byte count is a 400.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path, PurePosixPath

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

LOG_NAME = "task.log"
MEDIA_TYPE = "text/plain; charset=utf-8"

ReadArchived = Callable[[str], Awaitable[bytes | None]]


def log_routes(work_dir: Path, read_archived: ReadArchived) -> list[BaseRoute]:
    root = work_dir.resolve()

    async def serve_log(request: Request) -> Response:
        tail = request.query_params.get("tail")
        if tail is not None and not (tail.isascii() and tail.isdigit()):
            return PlainTextResponse("tail must be a number of bytes", status_code=400)
        wanted = None if tail is None else int(tail)
        relative = _log_path(request.path_params["path"])
        if relative is None or not _inside(root, root / relative):
            return _not_found()
        content = await asyncio.to_thread(_read_local, root / relative, wanted)
        if content is None:
            content = _cut(await read_archived(relative), wanted)
        return _not_found() if content is None else Response(content, media_type=MEDIA_TYPE)

    return [Route("/flightdeck/executor/logs/{path:path}", serve_log, methods=["GET"])]


def _log_path(raw: str) -> str | None:
    path = PurePosixPath(raw)
    if "\0" in raw or path.is_absolute() or ".." in path.parts or path.name != LOG_NAME:
        return None
    return str(path)


def _inside(root: Path, candidate: Path) -> bool:
    resolved = candidate.resolve()
    return resolved.name == LOG_NAME and resolved.is_relative_to(root)


def _read_local(path: Path, tail: int | None) -> bytes | None:
    try:
        with path.open("rb") as log:
            size = log.seek(0, os.SEEK_END)
            start = 0 if tail is None else max(0, size - tail)
            log.seek(start)
            # Up to the size seen: a live log keeps growing while we read.
            return log.read(size - start)
    except (FileNotFoundError, IsADirectoryError):
        return None


def _cut(content: bytes | None, tail: int | None) -> bytes | None:
    if content is None or tail is None:
        return content
    return content[max(0, len(content) - tail) :]


def _not_found() -> Response:
    return PlainTextResponse("log not found", status_code=404)

"""The built single-page app under ``/console``. Paths that are not files get ``index.html``,
so a page's own address (``/console/projects/x/executions/y``) can be reloaded or shared."""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

# Vite fingerprints asset names, so they never change under a URL; index.html must be revalidated.
IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
REVALIDATE = {"Cache-Control": "no-cache"}


def routes(assets_dir: Path) -> list[BaseRoute]:
    root = assets_dir.resolve()

    async def page(request: Request) -> Response:
        index = root / "index.html"
        if not index.is_file():
            return PlainTextResponse(
                f"console assets are not built ({root}); run `make console`", status_code=503
            )
        wanted = (root / request.path_params.get("path", "")).resolve()
        if wanted.is_file() and wanted.is_relative_to(root):
            headers = IMMUTABLE if "/assets/" in request.url.path else REVALIDATE
            return FileResponse(wanted, headers=headers)
        return FileResponse(index, headers=REVALIDATE)

    async def slash(request: Request) -> Response:
        return RedirectResponse("/console/", status_code=308)

    return [
        Route("/console", slash, methods=["GET"]),
        Route("/console/{path:path}", page, methods=["GET", "HEAD"]),
    ]

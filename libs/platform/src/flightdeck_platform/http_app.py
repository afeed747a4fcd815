"""The HTTP side of a service: /healthcheck, /readyz, /metrics and, behind them, REST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from flightdeck_platform import readiness


def build_http_app(
    check_readiness: Callable[[], Awaitable[Mapping[str, str]]],
    rest: ASGIApp | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """``check_readiness`` probes the dependencies now, so /readyz never reports stale news.
    ``extra_routes`` (a service's own HTTP endpoints) match before REST, which takes the rest."""

    async def healthcheck(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        results = await check_readiness()
        status = 200 if readiness.all_ok(results) else 503
        return JSONResponse({"ready": status == 200, "checks": results}, status_code=status)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    routes: list[BaseRoute] = [
        Route("/healthcheck", healthcheck, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        *extra_routes,
    ]
    if rest is not None:
        routes.append(Mount("/", app=rest))
    return Starlette(routes=routes)

"""The HTTP side of a service: /healthcheck, /readyz, /metrics and, behind them, REST."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from flightdeck_platform import readiness
from flightdeck_platform.liveness import Liveness


def build_http_app(
    check_readiness: Callable[[], Awaitable[readiness.Report]],
    check_liveness: Callable[[], Liveness],
    rest: ASGIApp | None = None,
    extra_routes: Sequence[BaseRoute] = (),
) -> Starlette:
    """``check_readiness`` probes the dependencies now, so /readyz never reports stale news;
    ``check_liveness`` tells whether the event loop keeps time. ``extra_routes`` (a service's
    own HTTP endpoints) match before REST, which takes the rest."""

    async def healthcheck(request: Request) -> Response:
        liveness = check_liveness()
        return JSONResponse(
            {
                "status": "ok" if liveness.alive else "event loop blocked",
                "loop_lag_seconds": round(liveness.loop_lag_seconds, 3),
            },
            status_code=200 if liveness.alive else 503,
        )

    async def readyz(request: Request) -> Response:
        report = await check_readiness()
        return JSONResponse(
            {
                "ready": report.ready,
                "checks": report.checks,
                "informational": report.informational,
            },
            status_code=200 if report.ready else 503,
        )

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

"""``GET /console/api/config``: what the pages need to know about this deployment that the
admin API does not say: where traces can be looked at (absent when tracing is off)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from flightdeck_console.settings import TracesSettings


def page_config(traces: TracesSettings) -> dict[str, object]:
    if not traces.ui_url:
        return {"traces": None}
    return {
        "traces": {
            "uiUrl": traces.ui_url.rstrip("/"),
            "service": traces.service,
            "tag": traces.execution_tag,
        }
    }


def route(traces: TracesSettings) -> Route:
    body = page_config(traces)

    async def config(request: Request) -> Response:
        return JSONResponse(body, headers={"Cache-Control": "no-cache"})

    return Route("/console/api/config", config, methods=["GET"])

"""A service's own HTTP routes sit beside /healthcheck and take precedence over REST, which
still answers every other path."""

from __future__ import annotations

import httpx
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings
from flightdeck_proto import services


async def _own(request: Request) -> Response:
    return PlainTextResponse(f"own {request.method} {request.path_params['rest']}")


async def test_extra_routes_are_served_before_the_rest_gateway() -> None:
    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0),
        services=[(services.SIGNAL, None)],
        extra_routes=[
            Route("/own/{rest:path}", _own, methods=["GET", "PUT"]),
            Route("/api/v1/signals/{rest:path}", _own, methods=["GET"]),
        ],
    )
    await host.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
            own = await http.put("/own/a/b", content=b"x")
            shadowed = await http.get("/api/v1/signals/p/d/n")
            rest = await http.post("/api/v1/signals", json={})
            health = await http.get("/healthcheck")
    finally:
        await host.stop()
    assert (own.status_code, own.text) == (200, "own PUT a/b")
    assert (shadowed.status_code, shadowed.text) == (200, "own GET p/d/n")
    assert rest.status_code == 501
    assert "SignalService/SetSignal" in rest.text
    assert health.status_code == 200


async def test_without_extra_routes_rest_answers_as_before() -> None:
    host = ServiceHost(
        name="test",
        settings=ServerSettings(grpc_port=0, http_port=0),
        services=[(services.SIGNAL, None)],
    )
    await host.start()
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as http:
            answer = await http.get("/own/a")
    finally:
        await host.stop()
    assert answer.status_code == 404

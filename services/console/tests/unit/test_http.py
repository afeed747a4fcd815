"""The console's HTTP edge: the SSE stream and the single-page app's assets."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from starlette.applications import Starlette

from flightdeck_console.api import assets, config, events
from flightdeck_console.domain.changes import PhaseChange, Scope
from flightdeck_console.service.fanout import Fanout
from flightdeck_console.settings import TracesSettings


def _change(name: str) -> PhaseChange:
    return PhaseChange("p", "d", name, "workflow", "", 0, "SUCCEEDED", "RUNNING", "", True)


async def test_the_stream_carries_the_scoped_changes_as_events() -> None:
    fanout = Fanout()
    with fanout.subscribe(Scope("p", "d", "r1")) as subscription:
        stream = events.stream(subscription, keepalive=5)
        assert (await anext(stream)).startswith("retry: 2000")
        fanout.publish([_change("other"), _change("r1")])
        event = await asyncio.wait_for(anext(stream), 5)
    assert event.startswith("event: phase\ndata: ")
    assert '"name": "r1"' in event and '"phase": "SUCCEEDED"' in event


async def test_a_quiet_stream_sends_keepalives_and_resyncs_after_overflow() -> None:
    fanout = Fanout(queue_size=1)
    with fanout.subscribe(Scope()) as subscription:
        stream = events.stream(subscription, keepalive=0.01)
        await anext(stream)
        assert await anext(stream) == ": keepalive\n\n"
        fanout.publish([_change("a"), _change("b")])
        assert (await anext(stream)).startswith("event: resync")


async def test_pages_fall_back_to_the_app_and_assets_are_served(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<html>app</html>")
    (tmp_path / "assets" / "app-1.js").write_text("code")
    async with _client(tmp_path) as client:
        assert (await client.get("/console/projects/p/domains/d")).text == "<html>app</html>"
        asset = await client.get("/console/assets/app-1.js")
        assert asset.text == "code" and "immutable" in asset.headers["cache-control"]
        assert (await client.get("/console/..%2F..%2Fetc%2Fpasswd")).text == "<html>app</html>"


async def test_unbuilt_assets_say_how_to_build_them(tmp_path: Path) -> None:
    async with _client(tmp_path / "missing") as client:
        response = await client.get("/console/")
    assert response.status_code == 503 and "make console" in response.text


def _client(root: Path) -> httpx.AsyncClient:
    app = Starlette(routes=assets.routes(root))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console")


async def test_the_config_names_the_trace_search_only_when_traces_are_on() -> None:
    on = TracesSettings(ui_url="http://localhost:16686/")
    for traces, expected in (
        (TracesSettings(), None),
        (
            on,
            {
                "uiUrl": "http://localhost:16686",
                "service": "flightdeck-admin",
                "tag": "flightdeck.execution.id",
            },
        ),
    ):
        app = Starlette(routes=[config.route(traces)])
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            response = await client.get("/console/api/config")
        assert response.json() == {"traces": expected}

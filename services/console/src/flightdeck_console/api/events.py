"""``GET /console/api/events``: phase changes as Server-Sent Events.

Query parameters ``project``, ``domain`` and ``name`` narrow the stream to a project's runs or
one run. Each change is one ``phase`` event whose data is the change as JSON. A ``resync`` event
tells the page it missed changes (its queue overflowed) and should refetch; a comment every
``keepalive`` seconds keeps proxies from closing an idle stream and lets a gone browser be
noticed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from flightdeck_console.domain.changes import Scope
from flightdeck_console.service.fanout import Fanout, Subscription

HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def scope_of(request: Request) -> Scope:
    query = request.query_params
    return Scope(query.get("project", ""), query.get("domain", ""), query.get("name", ""))


async def stream(subscription: Subscription, keepalive: float) -> AsyncIterator[str]:
    yield "retry: 2000\n: connected\n\n"
    while True:
        if subscription.overflowed:
            subscription.overflowed = False
            yield "event: resync\ndata: {}\n\n"
        try:
            change = await asyncio.wait_for(subscription.queue.get(), keepalive)
        except TimeoutError:
            yield ": keepalive\n\n"
            continue
        yield f"event: phase\ndata: {json.dumps(change.to_json())}\n\n"


def route(fanout: Fanout, keepalive: float) -> Route:
    async def events(request: Request) -> Response:
        async def body() -> AsyncIterator[str]:
            with fanout.subscribe(scope_of(request)) as subscription:
                async for chunk in stream(subscription, keepalive):
                    yield chunk

        return StreamingResponse(body(), media_type="text/event-stream", headers=HEADERS)

    return Route("/console/api/events", events, methods=["GET"])

"""The gateway compiles over every route we serve, and the route table is unambiguous."""

from __future__ import annotations

from collections import Counter

import grpc
import pytest

from flightdeck_platform.rest import RestGateway
from flightdeck_platform.rest.paths import parse_template
from flightdeck_proto.routes import routes_of
from flightdeck_proto.services import ALL

ROUTES = [route for service in ALL for route in routes_of(service.descriptor)]


def test_route_table_has_no_same_verb_same_shape_duplicates() -> None:
    shapes = Counter(
        (binding.verb, parse_template(binding.path_template).shape)
        for route in ROUTES
        for binding in route.bindings
    )
    assert len(shapes) > 70
    assert [shape for shape, count in shapes.items() if count > 1] == []


@pytest.mark.asyncio
async def test_gateway_builds_over_every_service() -> None:
    channel = grpc.aio.insecure_channel("127.0.0.1:9")  # never dialled: nothing is called
    try:
        gateway = RestGateway(ROUTES, channel)
    finally:
        await channel.close()
    assert callable(gateway)

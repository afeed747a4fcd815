"""The directory over fake servers: refresh, routing on demand, outages."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from flightdeck_agents.clients.memory import InMemoryAgentServer as FakeAgentServer
from flightdeck_agents.clients.memory import agent
from flightdeck_agents.domain.routing import Category
from flightdeck_agents.service.directory import AgentDirectory
from flightdeck_platform import faults


async def test_a_category_missing_from_the_routing_is_looked_up_again_before_refusing() -> None:
    server = FakeAgentServer("a")
    directory = AgentDirectory([server])
    await directory.refresh()
    server.agents.append(agent("Sensor", "sensor"))
    assert await directory.server_for(Category("sensor")) is server
    with pytest.raises(faults.NotFound, match="other"):
        await directory.server_for(Category("other"))


async def test_no_answer_from_any_server_is_unavailable_not_a_guess() -> None:
    server = FakeAgentServer("a", agent("Sensor", "sensor"))
    server.down = True
    directory = AgentDirectory([server])
    with pytest.raises(faults.Unavailable, match="a: agent server a"):
        await directory.list_agents()
    with pytest.raises(faults.Unavailable):
        await directory.server_for(Category("sensor"))


async def test_a_server_that_stops_answering_keeps_its_last_report() -> None:
    server = FakeAgentServer("a", agent("Sensor", "sensor"))
    directory = AgentDirectory([server])
    await directory.refresh()
    server.down = True
    assert [a.name for a in await directory.list_agents()] == ["Sensor"]


async def test_no_servers_configured_lists_nothing_and_finds_nothing() -> None:
    directory = AgentDirectory([])
    assert await directory.list_agents() == []
    with pytest.raises(faults.NotFound):
        await directory.get_agent("Sensor")


class _FailingOnce(FakeAgentServer):
    def __init__(self) -> None:
        super().__init__("a", agent("Sensor", "sensor"))
        self.calls = 0
        self.answered = asyncio.Event()

    async def list_agents(self):  # type: ignore[no-untyped-def]
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("boom")
        if self.calls == 3:  # the second round, which answered, has been taken in
            self.answered.set()
        return await super().list_agents()


async def test_the_refresh_loop_survives_a_failing_round() -> None:
    server = _FailingOnce()
    directory = AgentDirectory([server])
    loop = asyncio.create_task(directory.run(timedelta(seconds=0.01)))
    try:
        await server.answered.wait()
    finally:
        loop.cancel()
    assert directory.routing.server_for(Category("sensor")) == "a"

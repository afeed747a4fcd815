"""The agent servers and what each supports: read from their ListAgents in the background and
on demand, so routing follows servers that come, go and change."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import timedelta

from flyteidl.admin import agent_pb2

from flightdeck_agents.domain.routing import Category, Routing
from flightdeck_agents.service.ports import AgentServer
from flightdeck_platform import faults

_log = logging.getLogger("flightdeck.agents.directory")


class AgentDirectory:
    def __init__(
        self,
        servers: Sequence[AgentServer],
        task_types: Mapping[str, str] | None = None,
        default_server: str = "",
    ) -> None:
        self._servers = {server.name: server for server in servers}
        self._task_types = dict(task_types or {})
        self._default = default_server
        self._reports: dict[str, list[agent_pb2.Agent]] = {}
        self._failures: dict[str, str] = {}

    @property
    def routing(self) -> Routing:
        return Routing(self._reports, list(self._servers), self._task_types, self._default)

    async def refresh(self) -> None:
        """Asks every server at once. A server that fails keeps its last report (it may be
        restarting), and the failure is remembered for the messages that need it."""
        answers = await asyncio.gather(
            *(server.list_agents() for server in self._servers.values()), return_exceptions=True
        )
        for name, answer in zip(self._servers, answers, strict=True):
            if isinstance(answer, BaseException):
                if not isinstance(answer, Exception):
                    raise answer
                self._failures[name] = str(answer)
                _log.warning(
                    "agent server unanswered", extra={"server": name, "error": str(answer)}
                )
            else:
                self._reports[name] = answer
                self._failures.pop(name, None)

    async def run(self, interval: timedelta) -> None:
        """Refreshes forever; a failing round is logged and the next one comes."""
        while True:
            try:
                await self.refresh()
            except Exception:
                _log.exception("agent directory refresh failed")
            await asyncio.sleep(interval.total_seconds())

    async def list_agents(self) -> list[agent_pb2.Agent]:
        await self.refresh()
        self._require_some_report()
        return self.routing.agents()

    async def get_agent(self, name: str) -> agent_pb2.Agent:
        await self.refresh()
        agent = self.routing.agent_named(name)
        if agent is None:
            self._require_some_report()
            raise faults.NotFound(f"no agent named {name!r} on any agent server")
        return agent

    async def server_for(self, category: Category) -> AgentServer:
        """Asks the servers again before refusing, so a server that just came up is found."""
        name = self.routing.server_for(category)
        if name is None:
            await self.refresh()
            name = self.routing.server_for(category)
        if name is None:
            self._require_some_report()
            raise faults.NotFound(f"no agent server supports task type {category}")
        return self._servers[name]

    def _require_some_report(self) -> None:
        """Without a single answer, "not found" would be a guess: the caller may retry."""
        if self._servers and not self._reports:
            failures = "; ".join(f"{n}: {e}" for n, e in self._failures.items())
            raise faults.Unavailable(f"no agent server has answered yet ({failures})")

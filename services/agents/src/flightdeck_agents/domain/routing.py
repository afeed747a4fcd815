"""Which agent server serves a task category: pure rules over what each server reported.

Order of precedence, as propeller's agent plugin decides: an operator's explicit task type →
server mapping, then the first configured server whose agents support the category, then the
default server. Agents name categories (``supported_task_categories``); older agents only list
``supported_task_types``, which count as version 0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from flyteidl.admin import agent_pb2


@dataclass(frozen=True, order=True)
class Category:
    name: str
    version: int = 0

    def __str__(self) -> str:
        return f"{self.name} (version {self.version})"


def categories_of(agent: agent_pb2.Agent) -> list[Category]:
    found = [Category(c.name, c.version) for c in agent.supported_task_categories]
    named = {c.name for c in found}
    found += [Category(name) for name in agent.supported_task_types if name not in named]
    return found


@dataclass(frozen=True)
class Routing:
    """``reports``: server name → the agents it reported, in the configured server order;
    servers never reached are absent."""

    reports: Mapping[str, Sequence[agent_pb2.Agent]]
    order: Sequence[str]
    task_types: Mapping[str, str]
    default_server: str = ""

    def server_for(self, category: Category) -> str | None:
        if category.name in self.task_types:
            return self.task_types[category.name]
        for name in self.order:
            if any(category in categories_of(a) for a in self.reports.get(name, ())):
                return name
        return self.default_server or None

    def agents(self) -> list[agent_pb2.Agent]:
        return [agent for name in self.order for agent in self.reports.get(name, ())]

    def agent_named(self, name: str) -> agent_pb2.Agent | None:
        return next((agent for agent in self.agents() if agent.name == name), None)


def supported(agents: Iterable[agent_pb2.Agent]) -> set[Category]:
    return {category for agent in agents for category in categories_of(agent)}

"""Composition root of the agents service: settings → one channel per agent server → the
directory (refreshed beside the host) → use cases → APIs → host.

Readiness does not wait for agent servers: each is an informational probe, so the service is
ready (and answers UNAVAILABLE naming the server) while an operator's server is down."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta

import grpc

from flightdeck_agents.api.async_agents import AsyncAgentApi
from flightdeck_agents.api.external_plugins import ExternalPluginApi
from flightdeck_agents.api.metadata import AgentMetadataApi
from flightdeck_agents.api.sync_agents import SyncAgentApi
from flightdeck_agents.clients.agent_servers import GrpcAgentServer, channel
from flightdeck_agents.service.directory import AgentDirectory
from flightdeck_agents.service.external_plugins import ExternalPlugins
from flightdeck_agents.service.tasks import AgentTasks
from flightdeck_agents.settings import AgentsSettings
from flightdeck_platform.auth.setup import server_authentication
from flightdeck_platform.entrypoint import run_service
from flightdeck_platform.host import ServiceHost
from flightdeck_proto import services

SERVICE_NAME = "flightdeck-agents"


def build_host(settings: AgentsSettings, servers: Sequence[GrpcAgentServer]) -> ServiceHost:
    directory = AgentDirectory(servers, settings.task_types, settings.default_server)
    tasks = AgentTasks(directory)
    interval = timedelta(seconds=settings.refresh_interval_seconds)

    async def keep_refreshing() -> None:
        await directory.run(interval)

    return ServiceHost(
        name=SERVICE_NAME,
        settings=settings.server,
        authentication=server_authentication(settings.auth, SERVICE_NAME),
        services=[
            (services.ASYNC_AGENT, [AsyncAgentApi(tasks)]),
            (services.SYNC_AGENT, [SyncAgentApi(tasks)]),
            (services.AGENT_METADATA, [AgentMetadataApi(directory)]),
            (services.EXTERNAL_PLUGIN, [ExternalPluginApi(ExternalPlugins(tasks))]),
        ],
        informational_probes={f"agent server {s.name}": s.list_agents for s in servers},
        companions={"agent directory": keep_refreshing},
    )


@contextlib.asynccontextmanager
async def wired(settings: AgentsSettings) -> AsyncIterator[ServiceHost]:
    """The host (not started) over one channel per configured agent server."""
    channels: list[grpc.aio.Channel] = []
    servers = []
    for server in settings.servers:
        channels.append(channel(server.target, server.insecure, settings.server.max_message_bytes))
        servers.append(
            GrpcAgentServer(
                server.name,
                channels[-1],
                server.call_timeout_seconds,
                settings.stream_timeout_seconds,
            )
        )
    try:
        yield build_host(settings, servers)
    finally:
        for opened in channels:
            await opened.close()


async def serve(settings: AgentsSettings) -> None:
    async with wired(settings) as host:
        await host.run_until_signalled()


def main(argv: Sequence[str] | None = None) -> None:
    run_service(SERVICE_NAME, AgentsSettings, serve, argv)

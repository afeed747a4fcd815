"""The four agent services over a real gRPC server on in-memory agent servers: validation codes
and messages, routing of unary and streamed calls, REST, and an unreachable server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import httpx
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import tasks_pb2
from flyteidl.service import agent_pb2_grpc, external_plugin_service_pb2_grpc
from flyteidl.service import external_plugin_service_pb2 as legacy

from flightdeck_agents.clients.agent_servers import GrpcAgentServer, channel
from flightdeck_agents.clients.memory import InMemoryAgentServer, agent
from flightdeck_agents.server import build_host
from flightdeck_agents.settings import AgentServerSettings, AgentsSettings
from flightdeck_platform.host import ServiceHost
from flightdeck_platform.settings import ServerSettings

SENSOR = agent_pb2.TaskCategory(name="sensor")


def settings(**extra: object) -> AgentsSettings:
    values: dict[str, object] = {
        "server": ServerSettings(grpc_port=0, http_port=0),
        "servers": [AgentServerSettings(name=n, target="unused:1") for n in ("one", "two")],
    }
    return AgentsSettings(**{**values, **extra})  # type: ignore[arg-type]


@pytest.fixture
def servers() -> list[InMemoryAgentServer]:
    return [
        InMemoryAgentServer("one", agent("Sensor", "sensor")),
        InMemoryAgentServer("two", agent("Sensor", "sensor"), agent("Hook", "webhook", sync=True)),
    ]


@pytest.fixture
async def host(servers: list[InMemoryAgentServer]) -> AsyncIterator[ServiceHost]:
    served = build_host(settings(), servers)  # type: ignore[arg-type]
    await served.start()
    yield served
    await served.stop()


@pytest.fixture
async def opened(host: ServiceHost) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{host.grpc_port}") as ch:
        yield ch


async def _refused(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await call  # type: ignore[misc]
    return refused.value


@pytest.mark.parametrize(
    ("method", "request_", "field"),
    [
        ("CreateTask", agent_pb2.CreateTaskRequest(), "template.type"),
        ("GetTask", agent_pb2.GetTaskRequest(task_category=SENSOR), "resource_meta"),
        ("DeleteTask", agent_pb2.DeleteTaskRequest(resource_meta=b"m"), "task_category.name"),
        ("GetTaskMetrics", agent_pb2.GetTaskMetricsRequest(), "resource_meta"),
    ],
)
async def test_async_requests_missing_a_field_name_it(
    opened: grpc.aio.Channel, method: str, request_: object, field: str
) -> None:
    stub = agent_pb2_grpc.AsyncAgentServiceStub(opened)
    error = await _refused(getattr(stub, method)(request_))
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == f"missing {field}"


async def test_calls_go_to_the_first_server_supporting_the_category(
    opened: grpc.aio.Channel, servers: list[InMemoryAgentServer]
) -> None:
    stub = agent_pb2_grpc.AsyncAgentServiceStub(opened)
    template = tasks_pb2.TaskTemplate(type="sensor")
    created = await stub.CreateTask(agent_pb2.CreateTaskRequest(template=template))
    got = await stub.GetTask(
        agent_pb2.GetTaskRequest(task_type="sensor", resource_meta=created.resource_meta)
    )
    assert created.resource_meta == b"one"
    assert got.resource.phase == 3
    assert len(servers[0].received) > len(servers[1].received)


async def test_task_logs_stream_from_the_server(opened: grpc.aio.Channel) -> None:
    call = agent_pb2_grpc.AsyncAgentServiceStub(opened).GetTaskLogs(
        agent_pb2.GetTaskLogsRequest(task_category=SENSOR, resource_meta=b"m")
    )
    assert [list(r.body.results) async for r in call] == [["one"], ["two"]]


async def test_a_log_stream_missing_a_field_names_it(opened: grpc.aio.Channel) -> None:
    call = agent_pb2_grpc.AsyncAgentServiceStub(opened).GetTaskLogs(
        agent_pb2.GetTaskLogsRequest(task_category=SENSOR)
    )
    error = await _refused(call.read())
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "missing resource_meta"


async def test_a_sync_stream_is_routed_by_its_header_and_relayed_whole(
    opened: grpc.aio.Channel, servers: list[InMemoryAgentServer]
) -> None:
    async def requests() -> AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]:
        header = agent_pb2.CreateRequestHeader(template=tasks_pb2.TaskTemplate(type="webhook"))
        yield agent_pb2.ExecuteTaskSyncRequest(header=header)
        yield agent_pb2.ExecuteTaskSyncRequest()

    call = agent_pb2_grpc.SyncAgentServiceStub(opened).ExecuteTaskSync(requests())
    responses = [response async for response in call]
    assert [r.header.resource.message for r in responses] == ["2 messages"]
    assert servers[0].received == [agent_pb2.ListAgentsRequest()]


async def test_a_sync_stream_without_its_header_is_refused(opened: grpc.aio.Channel) -> None:
    async def requests() -> AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]:
        yield agent_pb2.ExecuteTaskSyncRequest()

    call = agent_pb2_grpc.SyncAgentServiceStub(opened).ExecuteTaskSync(requests())
    error = await _refused(call.read())
    assert error.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert error.details() == "missing header"


async def test_metadata_lists_every_server_s_agents_and_needs_a_name(
    opened: grpc.aio.Channel,
) -> None:
    stub = agent_pb2_grpc.AgentMetadataServiceStub(opened)
    listed = await stub.ListAgents(agent_pb2.ListAgentsRequest())
    error = await _refused(stub.GetAgent(agent_pb2.GetAgentRequest()))
    assert [a.name for a in listed.agents] == ["Sensor", "Sensor", "Hook"]
    assert (error.code(), error.details()) == (grpc.StatusCode.INVALID_ARGUMENT, "missing name")


async def test_the_deprecated_service_checks_its_fields(opened: grpc.aio.Channel) -> None:
    stub = external_plugin_service_pb2_grpc.ExternalPluginServiceStub(opened)
    missing = await _refused(stub.GetTask(legacy.TaskGetRequest(task_type="sensor")))
    foreign = await _refused(stub.GetTask(legacy.TaskGetRequest(task_type="sensor", job_id="!")))
    assert missing.details() == "missing job_id"
    assert foreign.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "job_id" in (foreign.details() or "")


async def test_rest_lists_agents(host: ServiceHost) -> None:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{host.http_port}") as client:
        listed = (await client.get("/api/v1/agents")).json()
        found = await client.get("/api/v1/agent/Hook")
    assert [a["name"] for a in listed["agents"]] == ["Sensor", "Sensor", "Hook"]
    assert found.json()["agent"]["isSync"] is True


async def test_an_agent_server_out_of_reach_is_unavailable_naming_it() -> None:
    dead = channel("127.0.0.1:1", insecure=True, max_message_bytes=1024 * 1024)
    server = GrpcAgentServer("gone", dead, call_timeout_seconds=2, stream_timeout_seconds=2)
    served = build_host(settings(servers=[AgentServerSettings(name="gone", target="x")]), [server])
    await served.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{served.grpc_port}") as ch:
            error = await _refused(
                agent_pb2_grpc.AgentMetadataServiceStub(ch).ListAgents(
                    agent_pb2.ListAgentsRequest()
                )
            )
    finally:
        await served.stop()
        await dead.close()
    assert error.code() is grpc.StatusCode.UNAVAILABLE
    assert "gone" in (error.details() or "")

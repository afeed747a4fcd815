"""The agents service in front of flytekit's real agent server (``pyflyte serve agent``): the
metadata it aggregates, an async sensor created, polled and deleted through it, a sync webhook
streamed through it, the deprecated plugin service, and the server's failures as statuses."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import grpc
import msgpack
import pytest
from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2, literals_pb2, tasks_pb2
from flyteidl.service import agent_pb2_grpc, external_plugin_service_pb2_grpc
from flyteidl.service import external_plugin_service_pb2 as legacy
from flytekit.configuration import ImageConfig, SerializationSettings
from flytekit.extras.webhook import WebhookTask
from flytekit.sensor.file_sensor import FileSensor
from flytekit.tools.translator import get_serializable

from flightdeck_platform.host import ServiceHost

pytestmark = pytest.mark.integration

SERIALIZATION = SerializationSettings(
    image_config=ImageConfig.auto_default_image(), project="p", domain="d", version="v1"
)
SENSOR = agent_pb2.TaskCategory(name="sensor")


def template_of(task: Any) -> tasks_pb2.TaskTemplate:
    return get_serializable(OrderedDict(), SERIALIZATION, task).template.to_flyte_idl()


def path_inputs(path: Path) -> literals_pb2.LiteralMap:
    value = literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=str(path)))
    )
    return literals_pb2.LiteralMap(literals={"path": value})


@pytest.fixture
async def channel(agents_service: ServiceHost) -> AsyncIterator[grpc.aio.Channel]:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{agents_service.grpc_port}") as opened:
        yield opened


async def test_list_agents_names_flytekit_s_agents_and_task_types(
    channel: grpc.aio.Channel,
) -> None:
    listed = await agent_pb2_grpc.AgentMetadataServiceStub(channel).ListAgents(
        agent_pb2.ListAgentsRequest()
    )
    by_name = {agent.name: agent for agent in listed.agents}
    assert by_name["Sensor"].supported_task_categories == [SENSOR]
    assert not by_name["Sensor"].is_sync
    assert list(by_name["Webhook Connector"].supported_task_types) == ["webhook"]
    assert by_name["Webhook Connector"].is_sync


async def test_get_agent_by_name_and_an_unknown_one(channel: grpc.aio.Channel) -> None:
    stub = agent_pb2_grpc.AgentMetadataServiceStub(channel)
    found = await stub.GetAgent(agent_pb2.GetAgentRequest(name="Sensor"))
    assert found.agent.supported_task_types == ["sensor"]
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetAgent(agent_pb2.GetAgentRequest(name="nope"))
    assert refused.value.code() is grpc.StatusCode.NOT_FOUND
    assert "'nope'" in (refused.value.details() or "")


async def test_a_file_sensor_is_created_polled_until_the_file_exists_and_deleted(
    channel: grpc.aio.Channel, tmp_path: Path
) -> None:
    stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
    marker = tmp_path / "ready"
    created = await stub.CreateTask(
        agent_pb2.CreateTaskRequest(
            template=template_of(FileSensor(name="wait_file")),
            inputs=path_inputs(marker),
            output_prefix=str(tmp_path),
        )
    )
    assert created.resource_meta
    poll = agent_pb2.GetTaskRequest(task_category=SENSOR, resource_meta=created.resource_meta)
    waiting = await stub.GetTask(poll)
    marker.write_text("here")
    done = await stub.GetTask(poll)
    await stub.DeleteTask(
        agent_pb2.DeleteTaskRequest(task_category=SENSOR, resource_meta=created.resource_meta)
    )
    assert waiting.resource.phase == execution_pb2.TaskExecution.RUNNING
    assert done.resource.phase == execution_pb2.TaskExecution.SUCCEEDED


async def test_a_webhook_runs_over_the_sync_stream_with_its_outputs(
    channel: grpc.aio.Channel, agents_service: ServiceHost
) -> None:
    url = f"http://127.0.0.1:{agents_service.http_port}/healthcheck"
    hook = WebhookTask(name="hook", url=url, method="GET", show_url=True)
    header = agent_pb2.CreateRequestHeader(template=template_of(hook), output_prefix="/tmp")

    async def requests() -> AsyncIterator[agent_pb2.ExecuteTaskSyncRequest]:
        yield agent_pb2.ExecuteTaskSyncRequest(header=header)
        yield agent_pb2.ExecuteTaskSyncRequest(inputs=literals_pb2.LiteralMap())

    call = agent_pb2_grpc.SyncAgentServiceStub(channel).ExecuteTaskSync(requests())
    responses = [response async for response in call]
    resource = responses[0].header.resource
    assert resource.phase == execution_pb2.TaskExecution.SUCCEEDED
    # flytekit writes a dict output as msgpack.
    info = msgpack.unpackb(resource.outputs.literals["info"].scalar.binary.value)
    assert info["url"] == url
    assert info["status_code"] == 200


async def test_the_deprecated_plugin_service_drives_the_same_sensor(
    channel: grpc.aio.Channel, tmp_path: Path
) -> None:
    stub = external_plugin_service_pb2_grpc.ExternalPluginServiceStub(channel)
    marker = tmp_path / "ready"
    marker.write_text("here")
    created = await stub.CreateTask(
        legacy.TaskCreateRequest(
            template=template_of(FileSensor(name="wait_file")),
            inputs=path_inputs(marker),
            output_prefix=str(tmp_path),
        )
    )
    found = await stub.GetTask(legacy.TaskGetRequest(task_type="sensor", job_id=created.job_id))
    await stub.DeleteTask(legacy.TaskDeleteRequest(task_type="sensor", job_id=created.job_id))
    assert found.state == legacy.SUCCEEDED


async def test_logs_the_agent_cannot_give_are_internal_never_unknown(
    channel: grpc.aio.Channel, tmp_path: Path
) -> None:
    stub = agent_pb2_grpc.AsyncAgentServiceStub(channel)
    created = await stub.CreateTask(
        agent_pb2.CreateTaskRequest(
            template=template_of(FileSensor(name="wait_file")),
            inputs=path_inputs(tmp_path / "x"),
            output_prefix=str(tmp_path),
        )
    )
    call = stub.GetTaskLogs(
        agent_pb2.GetTaskLogsRequest(task_category=SENSOR, resource_meta=created.resource_meta)
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        _ = [response async for response in call]
    assert refused.value.code() is grpc.StatusCode.INTERNAL
    assert "agent server flytekit" in (refused.value.details() or "")


async def test_a_task_type_no_agent_supports_is_not_found(channel: grpc.aio.Channel) -> None:
    template = tasks_pb2.TaskTemplate(type="no-such-type")
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await agent_pb2_grpc.AsyncAgentServiceStub(channel).CreateTask(
            agent_pb2.CreateTaskRequest(template=template)
        )
    assert refused.value.code() is grpc.StatusCode.NOT_FOUND
    assert "no-such-type" in (refused.value.details() or "")

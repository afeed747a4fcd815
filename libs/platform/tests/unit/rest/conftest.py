"""A real grpc.aio server on loopback with a few AdminService methods and a test-only echo
service, a channel to it, and the REST gateway in front, driven through httpx's ASGI transport.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import grpc
import httpx
import pytest
import pytest_asyncio
from flyteidl.admin import agent_pb2, common_pb2, event_pb2, execution_pb2, project_pb2, task_pb2
from flyteidl.core import identifier_pb2
from google.protobuf import any_pb2
from google.protobuf.message import Message
from google.rpc import code_pb2, status_pb2
from grpc_status import rpc_status

from flightdeck_platform.rest import RestGateway
from flightdeck_proto.routes import HttpBinding, Route, routes_of
from flightdeck_proto.services import ADMIN

Behaviour = Callable[[Message, grpc.aio.ServicerContext], Awaitable[Message]]

ECHO_ROUTE = Route(
    service="flightdeck.test.Echo",
    method="Echo",
    input_type=agent_pb2.GetTaskMetricsRequest,
    output_type=agent_pb2.GetTaskMetricsRequest,
    bindings=(
        HttpBinding("GET", "/echo/{task_type}", "", ""),
        HttpBinding("POST", "/echo/{task_type}/category", "task_category", "task_category"),
        HttpBinding("GET", "/echo/{task_type=types/**}:peek", "", ""),
        HttpBinding("GET", "/echo/{task_type}/queries", "", "queries"),
        # A variable binding that would swallow "/api/v1/executions/relaunch" if it won.
        HttpBinding("POST", "/api/v1/executions/{task_type}", "", ""),
    ),
)


@dataclass
class Recorder:
    requests: dict[str, Message] = field(default_factory=dict)
    metadata: dict[str, dict[str, str | bytes]] = field(default_factory=dict)


@dataclass
class Stack:
    client: httpx.AsyncClient
    recorder: Recorder
    channel: grpc.aio.Channel
    routes: list[Route]


async def get_task(request: Message, context: grpc.aio.ServicerContext) -> Message:
    assert isinstance(request, common_pb2.ObjectGetRequest)
    await context.send_initial_metadata((("x-served-by", "test-admin"),))
    return task_pb2.Task(id=request.id)


async def list_tasks(request: Message, context: grpc.aio.ServicerContext) -> Message:
    assert isinstance(request, common_pb2.ResourceListRequest)
    task_id = identifier_pb2.Identifier(project=request.id.project, domain=request.id.domain)
    return task_pb2.TaskList(tasks=[task_pb2.Task(id=task_id)], token="next-page")


async def get_named_entity(request: Message, context: grpc.aio.ServicerContext) -> Message:
    assert isinstance(request, common_pb2.NamedEntityGetRequest)
    return common_pb2.NamedEntity(resource_type=request.resource_type, id=request.id)


async def relaunch(request: Message, context: grpc.aio.ServicerContext) -> Message:
    assert isinstance(request, execution_pb2.ExecutionRelaunchRequest)
    created = identifier_pb2.WorkflowExecutionIdentifier(name=f"{request.id.name}-again")
    return execution_pb2.ExecutionCreateResponse(id=created)


async def reject_event(request: Message, context: grpc.aio.ServicerContext) -> Message:
    detail = any_pb2.Any()
    terminal = event_pb2.EventErrorAlreadyInTerminalState(current_phase="SUCCEEDED")
    detail.Pack(event_pb2.EventFailureReason(already_in_terminal_state=terminal))
    status = status_pb2.Status(
        code=code_pb2.FAILED_PRECONDITION, message="execution already ended", details=[detail]
    )
    await context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")


async def missing_execution(request: Message, context: grpc.aio.ServicerContext) -> Message:
    context.set_trailing_metadata((("x-reason", "no-such-row"),))
    await context.abort(grpc.StatusCode.NOT_FOUND, "execution p/d/n does not exist")
    raise AssertionError("abort returned")


def empty_reply(output: type[Message]) -> Behaviour:
    async def reply(request: Message, context: grpc.aio.ServicerContext) -> Message:
        return output()

    return reply


async def echo(request: Message, context: grpc.aio.ServicerContext) -> Message:
    assert isinstance(request, agent_pb2.GetTaskMetricsRequest)
    if request.task_type == "slow":
        await asyncio.sleep(5)
    return request


def _handler(recorder: Recorder, route: Route, behaviour: Behaviour) -> grpc.RpcMethodHandler:
    async def handle(request: Message, context: grpc.aio.ServicerContext) -> Message:
        recorder.requests[route.method] = request
        recorder.metadata[route.method] = dict(context.invocation_metadata() or ())
        return await behaviour(request, context)

    return grpc.unary_unary_rpc_method_handler(
        handle,
        request_deserializer=route.input_type.FromString,
        response_serializer=route.output_type.SerializeToString,
    )


def _admin_handlers(recorder: Recorder) -> grpc.GenericRpcHandler:
    routes = {route.method: route for route in routes_of(ADMIN.descriptor)}
    behaviours: dict[str, Behaviour] = {
        "GetTask": get_task,
        "ListTasks": list_tasks,
        "CreateTask": empty_reply(task_pb2.TaskCreateResponse),
        "UpdateProject": empty_reply(project_pb2.ProjectUpdateResponse),
        "GetNamedEntity": get_named_entity,
        "RelaunchExecution": relaunch,
        "CreateWorkflowEvent": reject_event,
        "GetExecution": missing_execution,
    }
    handlers = {name: _handler(recorder, routes[name], b) for name, b in behaviours.items()}
    return grpc.method_handlers_generic_handler(ADMIN.full_name, handlers)


def _echo_handlers(recorder: Recorder) -> grpc.GenericRpcHandler:
    handlers = {"Echo": _handler(recorder, ECHO_ROUTE, echo)}
    return grpc.method_handlers_generic_handler(ECHO_ROUTE.service, handlers)


def _client(gateway: RestGateway) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=gateway)
    return httpx.AsyncClient(transport=transport, base_url="http://flightdeck.test")


@pytest.fixture
def client_for() -> Callable[[RestGateway], httpx.AsyncClient]:
    return _client


@pytest_asyncio.fixture
async def stack() -> AsyncIterator[Stack]:
    recorder = Recorder()
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((_admin_handlers(recorder), _echo_handlers(recorder)))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    routes = [*routes_of(ADMIN.descriptor), ECHO_ROUTE]
    async with _client(RestGateway(routes, channel)) as client:
        yield Stack(client, recorder, channel, routes)
    await channel.close()
    await server.stop(None)

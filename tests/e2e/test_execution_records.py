"""Node and task executions, execution data and metrics read back through the edge.

The events projector writes these records in production; here the test writes them into FerretDB
with the flightdeck_records codecs exactly as it will (and the data blobs into the object store),
for an execution created through FlyteRemote. Everything is then read with flyteidl stubs, REST,
flytekit's FlyteRemote and the data proxy's GetData / CreateDownloadLink."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from flyteidl.admin import common_pb2, execution_pb2, node_execution_pb2
from flyteidl.admin import task_execution_pb2 as te
from flyteidl.core import execution_pb2 as core_execution
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2, dataproxy_pb2_grpc
from flytekit.configuration import Config
from flytekit.remote import FlyteRemote
from google.protobuf.timestamp_pb2 import Timestamp
from pymongo import MongoClient

from flightdeck_records import executions, node_executions, task_executions
from flightdeck_records.documents import EventPosition
from flightdeck_storage import LocalObjectStore, literals

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
LAUNCH_PLAN = "sample_workflows.wf_simple"  # start → n0 t_add → n1 t_square → n2 t_to_str → end
DOMAIN = "development"
T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
NODES = (  # node id, task, inputs, outputs
    ("n0", "t_add", {"a": 3, "b": 3}, {"o0": 6}),
    ("n1", "t_square", {"x": 6}, {"o0": 36}),
    ("n2", "t_to_str", {"x": 36}, {"o0": "36"}),
)


def _literals(values: dict[str, Any]) -> literals_pb2.LiteralMap:
    result = literals_pb2.LiteralMap()
    for name, value in values.items():
        primitive = result.literals[name].scalar.primitive
        if isinstance(value, str):
            primitive.string_value = value
        else:
            primitive.integer = value
    return result


def _moment(seconds: float) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(T0 + timedelta(seconds=seconds))
    return stamp


@dataclass(frozen=True)
class Run:
    project: str
    execution_id: identifier_pb2.WorkflowExecutionIdentifier

    def node(self, node_id: str) -> identifier_pb2.NodeExecutionIdentifier:
        return identifier_pb2.NodeExecutionIdentifier(
            node_id=node_id, execution_id=self.execution_id
        )

    def attempt(self, node_id: str, task: str, retry: int = 0) -> Any:
        task_id = identifier_pb2.Identifier(
            resource_type=identifier_pb2.TASK,
            project=self.project,
            domain=DOMAIN,
            name=f"sample_workflows.{task}",
            version="v1",
        )
        return identifier_pb2.TaskExecutionIdentifier(
            task_id=task_id, node_execution_id=self.node(node_id), retry_attempt=retry
        )


@pytest.fixture(scope="module")
def remote(
    running_system: dict[str, str], runnable_project: Callable[[str], str]
) -> tuple[FlyteRemote, str]:
    project = runnable_project("rec")
    target = f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"
    config = Config.for_endpoint(target, insecure=True)
    return FlyteRemote(config, default_project=project, default_domain=DOMAIN), project


class Projector:
    """Writes records as the events projector does (documents and blobs)."""

    def __init__(self, ports: dict[str, str]) -> None:
        self.client: MongoClient = MongoClient(
            f"mongodb://127.0.0.1:{ports['FLIGHTDECK_MONGO_PORT']}/", tz_aware=True
        )
        self.database = self.client["flightdeck"]
        self.blobs = LocalObjectStore(REPO / "var" / "storage")
        self.offset = 0

    def position(self) -> EventPosition:
        self.offset += 1
        return EventPosition(0, self.offset)

    def blob(self, key: str, values: dict[str, Any]) -> str:
        asyncio.run(literals.write_literal_map(self.blobs, key, _literals(values)))
        return self.blobs.native_url(key)

    def node(self, record: node_executions.NodeRecord, created: float) -> None:
        document = node_executions.node_document(record, self.position(), T0)
        document["created_at"] = T0 + timedelta(seconds=created)
        self.database[node_executions.COLLECTION].insert_one(document)

    def task(self, record: task_executions.TaskRecord, created: float) -> None:
        document = task_executions.task_document(record, self.position(), T0)
        document["created_at"] = T0 + timedelta(seconds=created)
        self.database[task_executions.COLLECTION].insert_one(document)


def _node_message(run: Run, node_id: str, created: float, phase: int) -> Any:
    node = node_execution_pb2.NodeExecution(id=run.node(node_id))
    node.metadata.spec_node_id = node_id
    node.closure.phase = phase
    node.closure.created_at.CopyFrom(_moment(created))
    node.closure.updated_at.CopyFrom(_moment(created + 1))
    return node


def _record_run(projector: Projector, run: Run) -> None:
    """start-node, three task nodes each with one attempt (n1 failed once first), a deck on n2,
    and the execution SUCCEEDED with its output offloaded."""
    succeeded = core_execution.NodeExecution.SUCCEEDED
    projector.node(node_executions.NodeRecord(_node_message(run, "start-node", 0, succeeded)), 0)
    base = f"metadata/{run.project}/{DOMAIN}/{run.execution_id.name}"
    for index, (node_id, task, inputs, outputs) in enumerate(NODES):
        created = 10 * (index + 1)
        node = _node_message(run, node_id, created, succeeded)
        node.input_uri = projector.blob(f"{base}/{node_id}/inputs.pb", inputs)
        node.closure.output_uri = projector.blob(f"{base}/{node_id}/outputs.pb", outputs)
        node.closure.updated_at.CopyFrom(_moment(created + 8))
        if node_id == "n2":
            deck = f"{base}/{node_id}/deck.html"
            asyncio.run(projector.blobs.write(deck, b"<html>deck</html>"))
            node.closure.deck_uri = projector.blobs.native_url(deck)
        projector.node(node_executions.NodeRecord(node), created)
        retries = 2 if node_id == "n1" else 1
        for retry in range(retries):
            attempt = te.TaskExecution(id=run.attempt(node_id, task, retry))
            closure = attempt.closure
            last = retry == retries - 1
            closure.phase = (
                core_execution.TaskExecution.SUCCEEDED
                if last
                else core_execution.TaskExecution.FAILED
            )
            closure.created_at.CopyFrom(_moment(created + 1 + 3 * retry))
            closure.updated_at.CopyFrom(_moment(created + 3 + 3 * retry))
            closure.task_type = "python-task"
            attempt.input_uri = node.input_uri
            if last:
                closure.output_uri = node.closure.output_uri
            else:
                closure.error.message = "boom " * 40
            projector.task(task_executions.TaskRecord(attempt), created + 1 + 3 * retry)
    end = _node_message(run, "end-node", 40, succeeded)
    projector.node(node_executions.NodeRecord(end), 40)
    progress = execution_pb2.ExecutionClosure()
    progress.started_at.CopyFrom(_moment(0))
    progress.updated_at.CopyFrom(_moment(45))
    progress.duration.FromSeconds(45)
    progress.outputs.uri = projector.blob(f"{base}/offloaded_outputs", {"o0": "36"})
    fields = executions.progress_fields(
        core_execution.WorkflowExecution.SUCCEEDED, progress, "", projector.position(), T0
    )
    projector.database[executions.COLLECTION].update_one(
        executions.identity(run.execution_id), {"$set": fields}
    )


@pytest.fixture(scope="module")
def run(remote: tuple[FlyteRemote, str], running_system: dict[str, str]) -> Iterator[Run]:
    flyte, project = remote
    launch_plan = flyte.fetch_launch_plan(project, DOMAIN, LAUNCH_PLAN, "v1")
    started = flyte.execute(
        launch_plan, inputs={"a": 3}, execution_name=f"r{uuid.uuid4().hex[:12]}"
    )
    recorded = Run(project, started.id.to_flyte_idl())
    projector = Projector(running_system)
    try:
        _record_run(projector, recorded)
        yield recorded
    finally:
        projector.client.close()


def test_node_and_task_executions_through_the_edge(
    admin: admin_pb2_grpc.AdminServiceStub, run: Run
) -> None:
    node = admin.GetNodeExecution(node_execution_pb2.NodeExecutionGetRequest(id=run.node("n1")))
    assert node.closure.phase == core_execution.NodeExecution.SUCCEEDED
    listed = admin.ListNodeExecutions(
        node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=run.execution_id, limit=10
        )
    )
    ids = [n.id.node_id for n in listed.node_executions]
    assert ids == ["start-node", "n0", "n1", "n2", "end-node"]
    attempts = admin.ListTaskExecutions(
        te.TaskExecutionListRequest(node_execution_id=run.node("n1"), limit=10)
    )
    assert [t.closure.phase for t in attempts.task_executions] == [
        core_execution.TaskExecution.FAILED,
        core_execution.TaskExecution.SUCCEEDED,
    ]
    assert len(attempts.task_executions[0].closure.error.message) == 200, "full messages"
    attempt = admin.GetTaskExecution(
        te.TaskExecutionGetRequest(id=run.attempt("n1", "t_square", 1))
    )
    assert attempt.closure.task_type == "python-task" and not attempt.is_parent


def test_listing_filters_sorts_and_pages(admin: admin_pb2_grpc.AdminServiceStub, run: Run) -> None:
    def page(**fields: Any) -> Any:
        return admin.ListNodeExecutions(
            node_execution_pb2.NodeExecutionListRequest(
                workflow_execution_id=run.execution_id, **fields
            )
        )

    by_id = common_pb2.Sort(key="node_id", direction=common_pb2.Sort.ASCENDING)
    seen, token = [], ""
    for _ in range(4):
        found = page(limit=2, sort_by=by_id, token=token)
        seen += [n.id.node_id for n in found.node_executions]
        token = found.token
        if not token:
            break
    assert seen == ["end-node", "n0", "n1", "n2", "start-node"]
    since = (T0 + timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = page(limit=10, filters=f"gte(node_execution_created_at,{since})+eq(phase,SUCCEEDED)")
    assert [n.id.node_id for n in later.node_executions] == ["n1", "n2", "end-node"]
    for fields, message in (
        ({"limit": 0}, "invalid value for limit"),
        ({"limit": 5, "filters": "eq(phase,DONE)"}, "invalid value 'DONE' for filter 'ne.phase'"),
        ({"limit": 5, "filters": "eq(task.name,x)"}, "'t' entity is not allowed in filters"),
        ({"limit": 5, "sort_by": common_pb2.Sort(key="color")}, "invalid sort key 'color'"),
        ({"limit": 5, "token": "%%%"}, "invalid pagination token"),
    ):
        with pytest.raises(grpc.RpcError) as refused:
            page(**fields)
        assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert message in refused.value.details()


def test_data_and_metrics_through_the_edge(
    admin: admin_pb2_grpc.AdminServiceStub, run: Run
) -> None:
    data = admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=run.execution_id)
    )
    assert data.full_inputs == _literals({"a": 3, "b": 3})
    assert data.full_outputs == _literals({"o0": "36"})
    node_data = admin.GetNodeExecutionData(
        node_execution_pb2.NodeExecutionGetDataRequest(id=run.node("n2"))
    )
    assert node_data.full_outputs == _literals({"o0": "36"})
    assert node_data.flyte_urls.deck.endswith(f"/{run.execution_id.name}/n2/d")
    task_data = admin.GetTaskExecutionData(
        te.TaskExecutionGetDataRequest(id=run.attempt("n1", "t_square", 1))
    )
    assert task_data.full_inputs == _literals({"x": 6})
    assert task_data.flyte_urls.outputs.endswith("/n1/1/o")
    metrics = admin.GetExecutionMetrics(
        execution_pb2.WorkflowExecutionGetMetricsRequest(id=run.execution_id, depth=2)
    )
    kinds = [s.WhichOneof("id") for s in metrics.span.spans]
    assert kinds == ["operation_id", "node_id", "node_id", "node_id", "operation_id"]
    assert metrics.span.spans[0].operation_id == "WORKFLOW_SETUP"
    assert [s.operation_id for s in metrics.span.spans[2].spans if s.operation_id] == [
        "NODE_TRANSITION",
        "NODE_SETUP",
        "NODE_RESET",
        "NODE_TEARDOWN",
    ]


def test_rest_routes_of_the_reads(edge_http_url: str, run: Run) -> None:
    execution = run.execution_id
    path = f"{execution.project}/{execution.domain}/{execution.name}"
    with httpx.Client(base_url=edge_http_url) as client:
        nodes = client.get(f"/api/v1/node_executions/{path}", params={"limit": "2"})
        node = client.get(f"/api/v1/node_executions/{path}/n0")
        attempts = client.get(f"/api/v1/task_executions/{path}/n1", params={"limit": "5"})
        data = client.get(f"/api/v1/data/node_executions/{path}/n0")
        missing = client.get(f"/api/v1/node_executions/{path}/absent")
    assert nodes.status_code == 200 and len(nodes.json()["nodeExecutions"]) == 2
    assert nodes.json()["token"]
    assert node.json()["id"]["nodeId"] == "n0"
    assert len(attempts.json()["taskExecutions"]) == 2
    assert data.json()["fullOutputs"]["literals"]["o0"]["scalar"]["primitive"]["integer"] == "6"
    assert missing.status_code == 404


def test_flyteremote_syncs_the_recorded_nodes(remote: tuple[FlyteRemote, str], run: Run) -> None:
    flyte, project = remote
    execution = flyte.fetch_execution(project, DOMAIN, run.execution_id.name)
    synced = flyte.sync_execution(execution, sync_nodes=True)
    assert list(synced.node_executions) == ["start-node", "n0", "n1", "n2", "end-node"]
    n1 = synced.node_executions["n1"]
    assert n1.is_done
    assert [t.id.retry_attempt for t in n1.task_executions] == [0, 1]
    assert (n1.inputs["x"], n1.outputs["o0"]) == (6, 36)
    assert synced.node_executions["n2"].outputs["o0"] == "36"


async def test_data_proxy_serves_recorded_data(running_system: dict[str, str], run: Run) -> None:
    target = f"127.0.0.1:{running_system['FLIGHTDECK_EDGE_GRPC_PORT']}"
    execution = run.execution_id
    base = f"flyte://v1/{execution.project}/{execution.domain}/{execution.name}"
    async with grpc.aio.insecure_channel(target) as channel:
        proxy = dataproxy_pb2_grpc.DataProxyServiceStub(channel)

        async def get(url: str) -> Any:
            return await proxy.GetData(dataproxy_pb2.GetDataRequest(flyte_url=url))

        assert (await get(f"{base}/n0/i")).literal_map == _literals({"a": 3, "b": 3})
        assert (await get(f"{base}/n1/o/o0")).literal == _literals({"o0": 36}).literals["o0"]
        assert (await get(f"{base}/n1/0/i")).literal_map == _literals({"x": 6})
        deck = await get(f"{base}/n2/d")
        assert deck.pre_signed_urls.signed_url
        link = await proxy.CreateDownloadLink(
            dataproxy_pb2.CreateDownloadLinkRequest(
                artifact_type=dataproxy_pb2.ARTIFACT_TYPE_DECK, node_execution_id=run.node("n2")
            )
        )
        for url, code in (
            (f"{base}/n1/5/i", grpc.StatusCode.INVALID_ARGUMENT),
            (f"{base}/absent/i", grpc.StatusCode.NOT_FOUND),
            (f"{base}/n0/d", grpc.StatusCode.NOT_FOUND),
        ):
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await get(url)
            assert refused.value.code() == code, url
    async with httpx.AsyncClient() as http:
        downloaded = await http.get(link.signed_url[0])
    assert downloaded.content == b"<html>deck</html>"

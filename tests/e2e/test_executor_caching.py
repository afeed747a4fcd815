"""Task caching through the whole system with real flytekit (examples/caching.py): a second run
is a CACHE_HIT that starts no process and names the first run's attempt as its source;
CacheService.EvictTaskExecutionCache (REST, through the edge) on that attempt makes the third
run miss and repopulate; concurrent first runs of a ``cache_serialize`` task run it once."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import grpc
import httpx
import pytest
from flyteidl.admin import execution_pb2
from flyteidl.core import catalog_pb2, identifier_pb2
from flyteidl.core import execution_pb2 as core

from flightdeck_proto import cache_pb2, cache_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

SCRIPT = Path("examples") / "caching.py"
RUN_DEADLINE_SECONDS = 300
CONCURRENT_RUNS = 2


def _run_and_wait(example_runs: Any, launch_plan: Any, inputs: dict[str, Any]) -> str:
    name = f"c{uuid.uuid4().hex[:12]}"
    example_runs.remote.execute(launch_plan, inputs=inputs, execution_name=name)
    return _succeeded(example_runs, name)


def _succeeded(example_runs: Any, name: str) -> str:
    execution = example_runs.wait_terminal(name, RUN_DEADLINE_SECONDS)
    assert execution.closure.phase == core.WorkflowExecution.SUCCEEDED, execution.closure.error
    return name


def _output(example_runs: Any, name: str) -> int:
    data = example_runs.admin.GetExecutionData(
        execution_pb2.WorkflowExecutionGetDataRequest(id=example_runs.execution_id(name))
    )
    return int(data.full_outputs.literals["o0"].scalar.primitive.integer)


def _task_node(example_runs: Any, name: str) -> Any:
    node = example_runs.node(name, "n0")
    assert node is not None, f"no node n0 in {name}"
    return node


def _runs_of(marks: Path) -> int:
    return len(marks.read_text().splitlines()) if marks.exists() else 0


def _rest_path(attempt: identifier_pb2.TaskExecutionIdentifier) -> str:
    node, task = attempt.node_execution_id, attempt.task_id
    execution = node.execution_id
    parts = [
        execution.project, execution.domain, execution.name, node.node_id,
        task.project, task.domain, task.name, task.version, str(attempt.retry_attempt),
    ]  # fmt: skip
    return "/api/v1/cache/task_executions/" + "/".join(parts)


@pytest.mark.timeout(1200)
def test_hit_evict_and_repopulate(
    example_runs: Any, tmp_path: Path, edge_http_url: str, wait_for: Callable[..., Any]
) -> None:
    marks = tmp_path / "square_once-7.log"
    inputs = {"x": 7, "marker_dir": str(tmp_path)}
    first = _succeeded(
        example_runs, example_runs.launch("cached_square", inputs, script=SCRIPT, wait=True)
    )
    first_node = _task_node(example_runs, first)
    assert first_node.closure.task_node_metadata.cache_status == catalog_pb2.CACHE_POPULATED
    catalog_key = first_node.closure.task_node_metadata.catalog_key
    assert catalog_key.dataset_id.resource_type == identifier_pb2.DATASET
    assert catalog_key.dataset_id.name.startswith("flyte_task-")
    assert catalog_key.artifact_tag.name.startswith("flyte_cached-")
    (first_attempt,) = example_runs.task_executions(first_node.id)
    assert _runs_of(marks) == 1

    launch_plan = example_runs.launch_plan_of(first)
    second = _run_and_wait(example_runs, launch_plan, inputs)
    assert _output(example_runs, second) == 49
    hit = _task_node(example_runs, second).closure.task_node_metadata
    assert hit.cache_status == catalog_pb2.CACHE_HIT
    assert hit.catalog_key.source_task_execution == first_attempt.id
    assert hit.catalog_key.artifact_tag == catalog_key.artifact_tag
    assert example_runs.task_executions(_task_node(example_runs, second).id) == []
    assert _runs_of(marks) == 1, "a cache hit must not start the task"

    # The path has no place for the task id's resource type, which validation requires.
    evicted = httpx.delete(
        edge_http_url + _rest_path(first_attempt.id),
        params={"task_execution_id.task_id.resource_type": "TASK"},
        timeout=30,
    )
    assert evicted.status_code == 200, evicted.text
    assert not evicted.json().get("errors", {}).get("errors")
    status = _task_node(example_runs, first).closure.task_node_metadata.cache_status
    assert status == catalog_pb2.CACHE_EVICTED

    third = _run_and_wait(example_runs, launch_plan, inputs)
    assert _output(example_runs, third) == 49
    repopulated = _task_node(example_runs, third).closure.task_node_metadata
    assert repopulated.cache_status == catalog_pb2.CACHE_POPULATED
    assert repopulated.catalog_key.artifact_tag.artifact_id != catalog_key.artifact_tag.artifact_id
    assert _runs_of(marks) == 2


@pytest.mark.timeout(1200)
def test_concurrent_first_runs_of_a_serialized_task_run_it_once(
    example_runs: Any, tmp_path: Path
) -> None:
    # The registering run uses other inputs, so the concurrent runs below are first runs.
    warm_up = {"x": 1, "marker_dir": str(tmp_path), "seconds": 0.0}
    registered = example_runs.launch("serialized_square", warm_up, script=SCRIPT)
    launch_plan = example_runs.launch_plan_of(registered)
    inputs = {"x": 5, "marker_dir": str(tmp_path), "seconds": 8.0}
    names = [f"s{i}{uuid.uuid4().hex[:10]}" for i in range(CONCURRENT_RUNS)]
    for name in names:
        example_runs.remote.execute(launch_plan, inputs=inputs, execution_name=name)
    for name in names:
        _succeeded(example_runs, name)
    assert [_output(example_runs, name) for name in names] == [25] * CONCURRENT_RUNS
    assert _runs_of(tmp_path / "square_serialized-5.log") == 1
    statuses = sorted(
        _task_node(example_runs, name).closure.task_node_metadata.cache_status for name in names
    )
    assert statuses == sorted([catalog_pb2.CACHE_POPULATED, catalog_pb2.CACHE_HIT])
    _succeeded(example_runs, registered)


async def test_eviction_requests_are_validated_at_the_edge(edge_grpc_target: str) -> None:
    async with grpc.aio.insecure_channel(edge_grpc_target) as channel:
        stub = cache_pb2_grpc.CacheServiceStub(channel)
        with pytest.raises(grpc.aio.AioRpcError) as missing:
            await stub.EvictTaskExecutionCache(cache_pb2.EvictTaskExecutionCacheRequest())
        unknown = cache_pb2.EvictTaskExecutionCacheRequest()
        attempt = unknown.task_execution_id
        attempt.node_execution_id.execution_id.project = "nowhere"
        attempt.node_execution_id.execution_id.domain = "development"
        attempt.node_execution_id.execution_id.name = "none"
        attempt.node_execution_id.node_id = "n0"
        attempt.task_id.resource_type = identifier_pb2.TASK
        attempt.task_id.project, attempt.task_id.domain = "nowhere", "development"
        attempt.task_id.name, attempt.task_id.version = "t", "v"
        with pytest.raises(grpc.aio.AioRpcError) as not_found:
            await stub.EvictTaskExecutionCache(unknown)
    assert missing.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "task_execution_id" in (missing.value.details() or "")
    assert not_found.value.code() is grpc.StatusCode.NOT_FOUND

"""Hand-off mode's use cases on an in-memory cluster (the ``Cluster`` port, behaving as the
API server answers: 409 on a second create, 404 on a missing delete) and a local object store:
one object per run however often its command comes, the namespace made first, deletes that
find nothing count as done, and the project sync that survives its failures. The same flows
run against a real kube-apiserver in tests/propeller/test_executor_handoff.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2, literals_pb2, workflow_pb2

from flightdeck_executor.service.cluster_resources import ClusterResources
from flightdeck_executor.service.commands import CommandIntake, DeliveredCommand
from flightdeck_executor.service.handoff import Handoff, HandoffConfig
from flightdeck_executor.service.ports import (
    ClusterUnavailable,
    NamespaceMissing,
    ProjectDomains,
)
from flightdeck_executor.store.memory import InMemoryRunStore
from flightdeck_platform.poison import Position, RetryBudget
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_storage import ObjectStore, StorageConfig, open_store


class MemoryCluster:
    def __init__(self) -> None:
        self.workflows: dict[tuple[str, str], dict[str, Any]] = {}
        self.namespaces: set[str] = set()
        self.service_accounts: set[tuple[str, str]] = set()
        self.creates = 0
        self.fault: Exception | None = None

    async def create_workflow(self, namespace: str, body: Mapping[str, object]) -> bool:
        self._maybe_fail()
        self.creates += 1
        if namespace not in self.namespaces:
            raise NamespaceMissing(f'namespaces "{namespace}" not found', 404)
        key = (namespace, str(body["metadata"]["name"]))  # type: ignore[index]
        if key in self.workflows:
            return False
        self.workflows[key] = dict(body)
        return True

    async def delete_workflow(self, namespace: str, name: str) -> bool:
        self._maybe_fail()
        return self.workflows.pop((namespace, name), None) is not None

    async def ensure_namespace(self, name: str) -> bool:
        self._maybe_fail()
        new = name not in self.namespaces
        self.namespaces.add(name)
        return new

    async def ensure_service_account(self, namespace: str, name: str) -> bool:
        self._maybe_fail()
        new = (namespace, name) not in self.service_accounts
        self.service_accounts.add((namespace, name))
        return new

    def _maybe_fail(self) -> None:
        if self.fault is not None:
            raise self.fault


class Projects:
    def __init__(self, *projects: ProjectDomains) -> None:
        self.projects = list(projects)
        self.fault: Exception | None = None

    async def active_projects(self) -> list[ProjectDomains]:
        if self.fault is not None:
            raise self.fault
        return self.projects


@pytest.fixture
async def blobs(tmp_path: Path) -> AsyncIterator[ObjectStore]:
    store = await open_store(StorageConfig(backend="local", local_root=tmp_path / "blobs"))
    yield store
    await store.close()


def _closure() -> admin_workflow_pb2.WorkflowClosure:
    """start-node → end-node: the smallest workflow propeller accepts."""
    closure = admin_workflow_pb2.WorkflowClosure()
    compiled: compiler_pb2.CompiledWorkflow = closure.compiled_workflow.primary
    compiled.template.id.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.WORKFLOW, project="p", domain="d", name="wf", version="1"
        )
    )
    compiled.template.nodes.extend(
        [workflow_pb2.Node(id="start-node"), workflow_pb2.Node(id="end-node")]
    )
    compiled.connections.downstream["start-node"].ids.append("end-node")
    compiled.connections.upstream["end-node"].ids.append("start-node")
    return closure


async def _command(
    blobs: ObjectStore, name: str, pool: str = ""
) -> executions_pb2.ExecutionCreated:
    await blobs.write("closure", _closure().SerializeToString())
    inputs = literals_pb2.LiteralMap()
    inputs.literals["x"].scalar.primitive.integer = 1
    await blobs.write(f"{name}/inputs", inputs.SerializeToString())
    command = executions_pb2.ExecutionCreated(
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name=name),
        compiled_workflow_uri=blobs.native_url("closure"),
        inputs_uri=blobs.native_url(f"{name}/inputs"),
    )
    command.spec.cluster_assignment.cluster_pool_name = pool
    return command


def _termination(name: str) -> executions_pb2.ExecutionTerminationRequested:
    return executions_pb2.ExecutionTerminationRequested(
        execution_id=identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name=name),
        cause="stop",
    )


def _handoff(
    cluster: MemoryCluster, blobs: ObjectStore, projects: Projects | None = None, **config: Any
) -> Handoff:
    resources = ClusterResources(
        cluster, projects or Projects(), "{{ project }}-{{ domain }}", "default", 60.0
    )
    return Handoff(cluster, blobs, resources, HandoffConfig(**config))


async def test_a_run_makes_its_namespace_then_one_object_however_often_it_comes(
    blobs: ObjectStore,
) -> None:
    cluster = MemoryCluster()
    handoff = _handoff(cluster, blobs)
    command = await _command(blobs, "r1")
    assert await handoff.created(command, partition=0)
    first = cluster.workflows[("p-d", "r1")]
    assert await handoff.created(command, partition=0)  # redelivered
    assert cluster.workflows == {("p-d", "r1"): first}
    assert cluster.namespaces == {"p-d"} and cluster.service_accounts == {("p-d", "default")}
    assert first["inputs"] == {"literals": {"x": {"scalar": {"primitive": {"integer": "1"}}}}}


async def test_another_pools_run_is_left_alone(blobs: ObjectStore) -> None:
    cluster = MemoryCluster()
    assert not await _handoff(cluster, blobs).created(await _command(blobs, "r1", "gpu"), 0)
    assert not cluster.workflows and not cluster.namespaces


async def test_offloaded_closure_and_inputs_are_left_in_the_store(blobs: ObjectStore) -> None:
    cluster = MemoryCluster()
    handoff = _handoff(cluster, blobs, offload_closure=True, offload_inputs=True)
    command = await _command(blobs, "r1")
    await handoff.created(command, 0)
    body = cluster.workflows[("p-d", "r1")]
    assert body["workflowClosureReference"] == command.compiled_workflow_uri
    assert body["offloadedInputs"] == command.inputs_uri
    assert "spec" not in body and "inputs" not in body


async def test_termination_deletes_and_a_missing_object_is_already_deleted(
    blobs: ObjectStore,
) -> None:
    cluster = MemoryCluster()
    handoff = _handoff(cluster, blobs)
    await handoff.created(await _command(blobs, "r1"), 0)
    await handoff.termination_requested(_termination("r1"))
    assert not cluster.workflows
    await handoff.termination_requested(_termination("r1"))  # redelivered: nothing to delete
    await handoff.termination_requested(_termination("never-created"))
    assert not cluster.workflows


async def test_with_delete_on_termination_off_the_object_stays(blobs: ObjectStore) -> None:
    cluster = MemoryCluster()
    handoff = _handoff(cluster, blobs, delete_on_termination=False)
    await handoff.created(await _command(blobs, "r1"), 0)
    await handoff.termination_requested(_termination("r1"))
    assert ("p-d", "r1") in cluster.workflows


async def test_a_namespace_deleted_behind_the_executors_back_is_made_again(
    blobs: ObjectStore,
) -> None:
    cluster = MemoryCluster()
    handoff = _handoff(cluster, blobs)
    await handoff.created(await _command(blobs, "r1"), 0)
    cluster.namespaces.clear()
    command = await _command(blobs, "r2")
    with pytest.raises(NamespaceMissing):
        await handoff.created(command, 0)
    assert await handoff.created(command, 0)  # the retry makes the namespace first
    assert ("p-d", "r2") in cluster.workflows


async def test_the_sync_makes_every_active_project_domain(blobs: ObjectStore) -> None:
    cluster = MemoryCluster()
    projects = Projects(
        ProjectDomains("alpha", ("development", "production")), ProjectDomains("beta", ("dev",))
    )
    resources = ClusterResources(cluster, projects, "{{ project }}-{{ domain }}", "runner", 60.0)
    assert await resources.sync() == 0
    assert cluster.namespaces == {"alpha-development", "alpha-production", "beta-dev"}
    assert ("beta-dev", "runner") in cluster.service_accounts


async def test_the_sync_loop_survives_failures_and_keeps_going(blobs: ObjectStore) -> None:
    cluster = MemoryCluster()
    projects = Projects(ProjectDomains("alpha", ("development",)))
    projects.fault = RuntimeError("edge down")
    resources = ClusterResources(cluster, projects, "{{ project }}-{{ domain }}", "default", 0.01)
    loop = asyncio.create_task(resources.run())
    try:
        await asyncio.sleep(0.05)
        assert not loop.done() and not cluster.namespaces
        cluster.fault = ClusterUnavailable("apiserver down")
        projects.fault = None
        await asyncio.sleep(0.05)
        assert not loop.done() and not cluster.namespaces
        cluster.fault = None
        for _ in range(100):
            if cluster.namespaces:
                break
            await asyncio.sleep(0.01)
        assert cluster.namespaces == {"alpha-development"}
    finally:
        loop.cancel()
        with pytest.raises(asyncio.CancelledError):
            await loop


async def test_an_unreachable_cluster_never_spends_the_commands_budget(
    blobs: ObjectStore,
) -> None:
    cluster = MemoryCluster()
    cluster.fault = ClusterUnavailable("apiserver down")
    store = InMemoryRunStore()
    intake = CommandIntake(_handoff(cluster, blobs), store, RetryBudget(2))
    command = executions_pb2.ExecutorCommand(created=await _command(blobs, "r1"))
    delivered = DeliveredCommand(Position("t", 0, 0), b"p/d/r1", command.SerializeToString())
    for _ in range(5):
        with pytest.raises(ClusterUnavailable):
            await intake.handle(delivered)
    assert not store.command_dead_letters
    cluster.fault = None
    await intake.handle(delivered)
    assert ("p-d", "r1") in cluster.workflows


async def test_a_refused_object_is_set_aside_after_the_budget(blobs: ObjectStore) -> None:
    store = InMemoryRunStore()
    intake = CommandIntake(_handoff(MemoryCluster(), blobs), store, RetryBudget(2))
    broken = await _command(blobs, "r1")
    broken.compiled_workflow_uri = blobs.native_url("no-such-closure")
    command = executions_pb2.ExecutorCommand(created=broken)
    delivered = DeliveredCommand(Position("t", 0, 3), b"p/d/r1", command.SerializeToString())
    with pytest.raises(Exception, match="no-such-closure"):
        await intake.handle(delivered)
    await intake.handle(delivered)  # the second failure is the last: set aside, acknowledged
    assert [letter.run for letter in store.command_dead_letters] == ["p/d/r1"]

"""The in-process read caches: reads reused, copies handed out, own writes seen at once."""

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import (
    execution_pb2,
    launch_plan_pb2,
    matchable_resource_pb2,
    project_pb2,
    workflow_pb2,
)
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.attributes import AttributeKey, MatchableRecord
from flightdeck_admin.service.launches import Launchables
from flightdeck_admin.store.read_caches import CachedAttributeStore, CachedProjectStore

WEC = matchable_resource_pb2.WORKFLOW_EXECUTION_CONFIG


class CountingProjects:
    def __init__(self) -> None:
        self.stored: dict[str, project_pb2.Project] = {}
        self.reads = 0

    async def get(self, project_id: str) -> project_pb2.Project:
        self.reads += 1
        found = project_pb2.Project()
        found.CopyFrom(self.stored[project_id])
        return found

    async def insert(self, project: project_pb2.Project) -> None:
        self.stored[project.id] = project

    async def replace(self, project: project_pb2.Project) -> None:
        self.stored[project.id] = project

    async def list_page(self, request: Any) -> tuple[list[project_pb2.Project], str]:
        return list(self.stored.values()), ""


async def test_a_project_is_read_once_and_handed_out_as_a_copy() -> None:
    store = CountingProjects()
    cached = CachedProjectStore(store, max_entries=10, ttl_seconds=60)
    await cached.insert(project_pb2.Project(id="p", name="first"))

    first = await cached.get("p")
    first.name = "changed by a caller"
    second = await cached.get("p")

    assert store.reads == 1
    assert second.name == "first"


async def test_a_project_written_through_the_cache_is_read_fresh() -> None:
    store = CountingProjects()
    cached = CachedProjectStore(store, max_entries=10, ttl_seconds=60)
    await cached.insert(project_pb2.Project(id="p", name="first"))
    await cached.get("p")

    await cached.replace(project_pb2.Project(id="p", name="renamed"))

    assert (await cached.get("p")).name == "renamed"
    assert store.reads == 2


async def test_a_zero_ttl_turns_the_cache_off() -> None:
    store = CountingProjects()
    cached = CachedProjectStore(store, max_entries=10, ttl_seconds=0)
    await cached.insert(project_pb2.Project(id="p"))
    await cached.get("p")
    await cached.get("p")
    assert store.reads == 2


class CountingAttributes:
    def __init__(self) -> None:
        self.records: dict[AttributeKey, MatchableRecord] = {}
        self.reads = 0

    async def candidates(self, query: AttributeKey) -> list[MatchableRecord]:
        self.reads += 1
        return [r for k, r in self.records.items() if k.resource_type == query.resource_type]

    async def put(self, record: MatchableRecord) -> None:
        self.records[record.key] = record

    async def amend(self, key: AttributeKey, change: Any) -> None:
        self.records[key] = MatchableRecord(key, change(self.records.get(key)))

    async def delete(self, key: AttributeKey) -> None:
        self.records.pop(key, None)


def _config(parallelism: int) -> matchable_resource_pb2.MatchingAttributes:
    config = matchable_resource_pb2.MatchingAttributes()
    config.workflow_execution_config.max_parallelism = parallelism
    return config


@pytest.mark.parametrize("write", ["put", "amend", "delete"])
async def test_every_attribute_write_empties_the_candidates(write: str) -> None:
    store = CountingAttributes()
    cached = CachedAttributeStore(store, max_entries=10, ttl_seconds=60)  # type: ignore[arg-type]
    key = AttributeKey(WEC, "p", "d")
    await cached.put(MatchableRecord(key, _config(3)))
    query = AttributeKey(WEC, "p", "d", "wf")
    (found,) = await cached.candidates(query)
    found.attributes.workflow_execution_config.max_parallelism = 99  # a caller's change
    assert (await cached.candidates(query))[0].attributes == _config(3)
    assert store.reads == 1

    if write == "put":
        await cached.put(MatchableRecord(key, _config(5)))
    elif write == "amend":
        await cached.amend(key, lambda stored: _config(5))
    else:
        await cached.delete(key)

    after = await cached.candidates(query)
    assert store.reads == 2
    assert [r.attributes for r in after] == ([] if write == "delete" else [_config(5)])


class CountingEntities:
    def __init__(self, entity: Any) -> None:
        self.entity = entity
        self.reads = 0

    async def get(self, identifier: identifier_pb2.Identifier) -> Any:
        self.reads += 1
        found = type(self.entity)()
        found.CopyFrom(self.entity)
        return found


async def test_a_launch_plan_and_its_workflow_are_resolved_once() -> None:
    plan = launch_plan_pb2.LaunchPlan()
    plan.spec.workflow_id.name = "wf"
    workflow = workflow_pb2.Workflow()
    workflow.id.name = "wf"
    plans, workflows = CountingEntities(plan), CountingEntities(workflow)
    launchables = Launchables(plans, workflows, None, None, None)  # type: ignore[arg-type]
    request = execution_pb2.ExecutionCreateRequest()
    request.spec.launch_plan.resource_type = identifier_pb2.LAUNCH_PLAN
    request.spec.launch_plan.name, request.spec.launch_plan.version = "lp", "v1"

    first = await launchables.resolve(request)
    first.workflow.id.name = "changed by a caller"
    second = await launchables.resolve(request)

    assert (plans.reads, workflows.reads) == (1, 1)
    assert second.workflow.id.name == "wf"
    request.spec.launch_plan.version = "v2"
    await launchables.resolve(request)
    assert (plans.reads, workflows.reads) == (2, 2)

"""Single-task launches, the outbox, relaunch/recover, termination, state updates and listing
(admin.md §3.2 to 3.5) on the in-memory world of conftest.py."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from flyteidl.admin import (
    cluster_assignment_pb2,
    common_pb2,
    event_pb2,
    execution_pb2,
    matchable_resource_pb2,
    workflow_pb2,
)
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import identifier_pb2, tasks_pb2

from flightdeck_admin.domain import executions_launch, outbox
from flightdeck_admin.domain.errors import EntityNotFound, InvalidField
from flightdeck_admin.domain.executions_lifecycle import AlreadyInTerminalState
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2 as commands_pb2
from flightdeck_storage import layout

World = Any


def _command(message: outbox.OutboxMessage) -> commands_pb2.ExecutorCommand:
    return commands_pb2.ExecutorCommand.FromString(message.command)


async def test_execution_created_carries_the_resolved_spec_and_a_resourced_closure(
    world: World,
) -> None:
    execution_id = await world.use_case.create(world.request("run1", x=1))
    created = _command(world.publisher.published[0]).created
    assert created.message_id == outbox.message_id(outbox.EXECUTION_CREATED, execution_id)
    assert created.execution_id == execution_id
    stored = (await world.use_case.get(execution_id)).spec
    assert created.spec.metadata == stored.metadata
    assert created.spec.security_context == stored.security_context
    assert dict(created.spec.labels.values) == {"team": "ml", "org": "x"}
    assert not stored.HasField("labels"), "the project's labels are the executor's only"
    assert created.namespace == "p-development"
    assert created.accepted_at.ToDatetime().year == 2026
    closure_key = world.blobs.key_of(created.compiled_workflow_uri)
    assert closure_key.startswith(layout.execution_data("p", "development", "run1", "launch-"))
    assert closure_key.endswith("/workflow_closure")
    closure = workflow_pb2.WorkflowClosure.FromString(await world.blobs.read(closure_key))
    resources = closure.compiled_workflow.tasks[0].template.container.resources
    requests = {entry.name: entry.value for entry in resources.requests}
    limits = {entry.name: entry.value for entry in resources.limits}
    assert requests == {tasks_pb2.Resources.CPU: "2", tasks_pb2.Resources.MEMORY: "200Mi"}
    assert limits == {tasks_pb2.Resources.CPU: "2", tasks_pb2.Resources.MEMORY: "200Mi"}


async def test_an_unreachable_broker_leaves_the_message_to_the_relay(world: World) -> None:
    world.publisher.failing = True
    execution_id = await world.use_case.create(world.request("run1", x=1))
    assert len((await world.executions.get(execution_id)).pending_messages) == 1
    world.publisher.failing = False
    assert await world.outbox.relay_once(timedelta(seconds=-1)) == 1
    assert (await world.executions.get(execution_id)).pending_messages == ()
    assert [m.kind for m in world.publisher.published] == [outbox.EXECUTION_CREATED]
    assert await world.outbox.relay_once(timedelta(seconds=-1)) == 0


async def test_a_losing_create_cannot_clobber_the_winners_inputs(world: World) -> None:
    await world.use_case.create(world.request("run1", x=1))
    world.publisher.failing = True
    with pytest.raises(Exception, match="already exists"):
        await world.use_case.create(world.request("run1", x=2))
    stored = await world.inputs_of(
        identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="run1")
    )
    assert stored.literals["x"] == world.int_literal(1)


async def test_a_task_launches_through_generated_workflow_and_launch_plan(world: World) -> None:
    request = world.request("t1", n=4)
    request.spec.launch_plan.CopyFrom(world.TASK_ID)
    execution_id = await world.use_case.create(request)
    stored = await world.use_case.get(execution_id)
    assert stored.closure.workflow_id.name == ".flytegen.mod.square"
    assert stored.spec.max_parallelism == 0
    plan = await world.launch_plans.get(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project="p",
            domain="development",
            name=".flytegen.mod.square",
            version="v1",
        )
    )
    assert plan.spec.workflow_id.name == "mod.square", "the reference's quirk"
    assert {state.state for state in world.names.metadata_of.values()} == {
        common_pb2.SYSTEM_GENERATED
    }
    again = world.request("t2", n=5)
    again.spec.launch_plan.CopyFrom(world.TASK_ID)
    assert (await world.use_case.create(again)).name == "t2", "generated entities reused"
    workflow = await world.workflows.get(stored.closure.workflow_id)
    node = workflow.closure.compiled_workflow.primary.template.nodes[0]
    assert (node.id, node.metadata.retries.retries) == ("modsquare", 3)


async def test_a_child_inherits_from_its_parent_node_execution(world: World) -> None:
    parent_id = await world.use_case.create(world.request("parent", x=1))
    request = world.request("child", x=1)
    node = request.spec.metadata.parent_node_execution
    node.execution_id.CopyFrom(parent_id)
    node.node_id = "n0"
    with pytest.raises(EntityNotFound, match="parent node execution n0"):
        await world.use_case.create(request)
    world.parents.known.add("parent/n0")
    child = await world.use_case.get(await world.use_case.create(request))
    assert child.spec.metadata.nesting == 1


async def test_a_child_waits_for_its_acknowledged_parent_node_to_be_projected(
    world: World,
) -> None:
    """Propeller creates a launch-plan node's child right after the gateway acknowledged the
    node's QUEUED event; the projector writes that node a moment later."""
    parent_id = await world.use_case.create(world.request("parent", x=1))
    request = world.request("child", x=1)
    request.spec.metadata.parent_node_execution.execution_id.CopyFrom(parent_id)
    request.spec.metadata.parent_node_execution.node_id = "n3"
    creating = asyncio.create_task(world.use_case.create(request))
    await asyncio.sleep(0.1)
    assert not creating.done()
    world.parents.known.add("parent/n3")
    assert (await creating).name == "child"


async def test_a_cluster_pool_other_than_the_stored_one_is_refused(world: World) -> None:
    attributes = matchable_resource_pb2.MatchingAttributes(
        cluster_assignment=cluster_assignment_pb2.ClusterAssignment(cluster_pool_name="gpu")
    )
    await world.attributes.update_project_domain("p", "development", attributes)
    request = world.request("run1", x=1)
    request.spec.cluster_assignment.cluster_pool_name = "cpu"
    with pytest.raises(InvalidField, match="cluster_assignment"):
        await world.use_case.create(request)
    request.spec.cluster_assignment.cluster_pool_name = ""
    stored = await world.use_case.get(await world.use_case.create(request))
    assert stored.spec.cluster_assignment.cluster_pool_name == "", "the request's, as given"
    handed = _command(world.publisher.published[-1]).created.spec
    assert handed.cluster_assignment.cluster_pool_name == "gpu"


async def test_relaunch_and_recover_reference_the_original(world: World) -> None:
    original = await world.use_case.create(world.request("orig", x=9))
    relaunched = await world.lifecycle.relaunch(
        execution_pb2.ExecutionRelaunchRequest(id=original, name="again", overwrite_cache=True)
    )
    again = await world.use_case.get(relaunched)
    assert again.spec.metadata.mode == execution_pb2.ExecutionMetadata.RELAUNCH
    assert again.spec.metadata.reference_execution == original
    assert again.spec.overwrite_cache
    assert (await world.inputs_of(relaunched)).literals["x"] == world.int_literal(9)
    recovered = await world.lifecycle.recover(
        execution_pb2.ExecutionRecoverRequest(id=original, name="rec")
    )
    assert (await world.use_case.get(recovered)).spec.metadata.mode == (
        execution_pb2.ExecutionMetadata.RECOVERED
    )
    created = _command(world.publisher.published[-1]).created
    assert created.recovery_source == original
    missing = identifier_pb2.WorkflowExecutionIdentifier(
        project="p", domain="development", name="nope"
    )
    with pytest.raises(EntityNotFound):
        await world.lifecycle.relaunch(execution_pb2.ExecutionRelaunchRequest(id=missing))


async def test_relaunch_recover_and_update_record_their_caller_not_the_originals(
    world: World,
) -> None:
    original = await world.use_case.create(world.request("orig", x=1), principal="alice")
    relaunched = await world.lifecycle.relaunch(
        execution_pb2.ExecutionRelaunchRequest(id=original, name="again"), "bob"
    )
    recovered = await world.lifecycle.recover(
        execution_pb2.ExecutionRecoverRequest(id=original, name="rec"), "carol"
    )
    anonymous = await world.lifecycle.relaunch(
        execution_pb2.ExecutionRelaunchRequest(id=original, name="anon")
    )
    await world.lifecycle.update(
        execution_pb2.ExecutionUpdateRequest(id=original, state=execution_pb2.EXECUTION_ARCHIVED),
        "dave",
    )
    principals = {
        name: (await world.use_case.get(execution_id)).spec.metadata.principal
        for name, execution_id in [
            ("orig", original),
            ("again", relaunched),
            ("rec", recovered),
            ("anon", anonymous),
        ]
    }
    assert principals == {"orig": "alice", "again": "bob", "rec": "carol", "anon": ""}
    change = (await world.use_case.get(original)).closure.state_change_details
    assert (change.state, change.principal) == (execution_pb2.EXECUTION_ARCHIVED, "dave")


async def test_terminate_aborts_once_running_and_refuses_a_finished_execution(
    world: World,
) -> None:
    execution_id = await world.use_case.create(world.request("run1", x=1))
    await world.lifecycle.terminate(execution_id, "no longer needed")
    stored = await world.use_case.get(execution_id)
    assert stored.closure.phase == core_execution_pb2.WorkflowExecution.ABORTING
    assert stored.closure.abort_metadata.cause == "no longer needed"
    requested = _command(world.publisher.published[-1]).termination_requested
    assert requested.cause == "no longer needed"
    await world.lifecycle.terminate(execution_id, "again")
    world.executions.set_phase(execution_id, "SUCCEEDED")
    with pytest.raises(
        AlreadyInTerminalState, match=r"^Cannot abort an already terminated workflow execution$"
    ) as refused:
        await world.lifecycle.terminate(execution_id, "late")
    reason = refused.value.details[0]
    assert isinstance(reason, event_pb2.EventFailureReason)
    assert reason.already_in_terminal_state.current_phase == "SUCCEEDED"


async def test_abort_metadata_is_present_from_aborting_even_without_a_cause(
    world: World,
) -> None:
    execution_id = await world.use_case.create(world.request("run1", x=1))
    assert not (await world.use_case.get(execution_id)).closure.HasField("abort_metadata")
    await world.lifecycle.terminate(execution_id, "")
    closure = (await world.use_case.get(execution_id)).closure
    assert closure.phase == core_execution_pb2.WorkflowExecution.ABORTING
    assert closure.HasField("abort_metadata")
    assert (closure.abort_metadata.cause, closure.abort_metadata.principal) == ("", "")


async def test_archived_executions_leave_the_default_listing(world: World) -> None:
    for name in ("a1", "a2", "a3"):
        await world.use_case.create(world.request(name, x=1))
    a2 = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="a2")
    await world.lifecycle.update(
        execution_pb2.ExecutionUpdateRequest(id=a2, state=execution_pb2.EXECUTION_ARCHIVED)
    )
    stored = await world.use_case.get(a2)
    assert stored.closure.state_change_details.state == execution_pb2.EXECUTION_ARCHIVED
    request = common_pb2.ResourceListRequest(limit=10)
    request.id.project, request.id.domain = "p", "development"
    listed = await world.lifecycle.list(request)
    assert [e.id.name for e in listed.executions] == ["a1", "a3"]
    request.filters = "eq(state,1)"
    assert [e.id.name for e in (await world.lifecycle.list(request)).executions] == ["a2"]
    request.filters = "eq(execution_name,a2)"
    assert (await world.lifecycle.list(request)).executions == []


def test_a_child_one_level_past_the_maximum_nesting_is_refused_by_name() -> None:
    parent = executions_launch.ParentExecution(principal="alice", nesting=1, cluster_label="")
    child = execution_pb2.ExecutionSpec()
    executions_launch.inherit(child, parent, max_nesting=2)
    assert (child.metadata.nesting, child.metadata.principal) == (2, "alice")
    deeper = executions_launch.ParentExecution(principal="alice", nesting=2, cluster_label="")
    refused = execution_pb2.ExecutionSpec()
    with pytest.raises(InvalidField, match=r"spec\.metadata\.nesting.*level 3.*of 2"):
        executions_launch.inherit(refused, deeper, max_nesting=2)
    assert not refused.metadata.principal, "nothing inherited by a refused child"

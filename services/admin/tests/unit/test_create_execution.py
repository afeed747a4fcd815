"""CreateExecution on the launch-plan path and GetExecution (admin.md §3.1, §3.5), with
in-memory fakes and a local object store (the world in conftest.py)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest
from flyteidl.admin import common_pb2, execution_pb2, matchable_resource_pb2
from flyteidl.core import identifier_pb2, security_pb2
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from flightdeck_admin.domain.attributes import AttributeKey
from flightdeck_admin.domain.errors import (
    EntityAlreadyExists,
    EntityNotFound,
    InvalidField,
    MissingField,
    ProjectNotUsable,
)
from flightdeck_admin.domain.executions import InputsRejected
from flightdeck_admin.domain.outbox import EXECUTION_CREATED
from flightdeck_admin.service.executions import EXECUTION_TAG
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2 as commands_pb2
from flightdeck_storage import layout, literals

World = Any


async def test_create_stores_the_execution_with_the_reference_closure(world: World) -> None:
    execution_id = await world.use_case.create(world.request("run1", x=1))
    assert (execution_id.project, execution_id.domain, execution_id.name) == (
        "p",
        "development",
        "run1",
    )
    stored = await world.use_case.get(execution_id)
    closure = stored.closure
    assert closure.phase == 0
    assert closure.created_at.ToDatetime(UTC) == world.NOW == closure.updated_at.ToDatetime(UTC)
    assert closure.workflow_id == world.WF_ID
    assert closure.state_change_details.state == execution_pb2.EXECUTION_ACTIVE
    assert stored.spec.max_parallelism == 25
    assert stored.spec.security_context.HasField("run_as")
    assert stored.spec.metadata.system_metadata.namespace == "p-development"
    assert not stored.spec.inputs.literals


async def test_the_stored_spec_holds_what_the_request_held(world: World) -> None:
    """flyteadmin leaves labels, annotations, notifications and the raw output config unset
    when the request had none; the project's labels go only to the executor."""
    stored = await world.use_case.get(await world.use_case.create(world.request("run1", x=1)))
    for unset in ("labels", "annotations", "notifications", "raw_output_data_config", "envs"):
        assert not stored.spec.HasField(unset), unset
    handed = _handed_spec(world)
    assert dict(handed.labels.values) == {"team": "ml", "org": "x"}, "plan's first, project's"
    assert handed.HasField("raw_output_data_config") and handed.HasField("annotations")


async def test_labels_the_request_sets_are_stored_as_given(world: World) -> None:
    request = world.request("run1", x=1)
    request.spec.labels.values["mine"] = "yes"
    stored = await world.use_case.get(await world.use_case.create(request))
    assert dict(stored.spec.labels.values) == {"mine": "yes"}
    assert dict(_handed_spec(world).labels.values) == {"mine": "yes", "org": "x"}


async def test_the_requests_notification_rules_are_recorded_once(world: World) -> None:
    request = world.request("run1", x=1)
    rule = common_pb2.Notification(
        phases=[4], email=common_pb2.EmailNotification(recipients_email=["a@example.com"])
    )
    request.spec.notifications.notifications.append(rule)
    stored = await world.use_case.get(await world.use_case.create(request))
    assert list(stored.closure.notifications) == [rule]
    assert list(_handed_spec(world).notifications.notifications) == [rule]


def _handed_spec(world: World) -> execution_pb2.ExecutionSpec:
    """The spec of the last ExecutionCreated admin published."""
    command = commands_pb2.ExecutorCommand.FromString(world.publisher.published[-1].command)
    return command.created.spec


async def test_create_offloads_merged_and_user_inputs_under_the_calls_own_keys(
    world: World,
) -> None:
    execution_id = await world.use_case.create(world.request("run1", x=1))
    record = await world.executions.get(execution_id)
    inputs_key = world.blobs.key_of(record.inputs_uri)
    user_key = world.blobs.key_of(record.user_inputs_uri)
    launch_dir = inputs_key.rsplit("/", 1)[0]
    assert launch_dir.startswith(layout.execution_data("p", "development", "run1", "launch-"))
    assert (inputs_key, user_key) == (f"{launch_dir}/inputs", f"{launch_dir}/user_inputs")
    merged = await literals.read_literal_map(world.blobs, inputs_key)
    assert dict(merged.literals) == {"x": world.int_literal(1), "y": world.int_literal(7)}
    assert dict((await literals.read_literal_map(world.blobs, user_key)).literals) == {
        "x": world.int_literal(1)
    }
    assert record.pending_messages == (), "delivered right after the write"
    assert [m.kind for m in world.publisher.published] == [EXECUTION_CREATED]
    assert all(not m.blobs for m in world.publisher.published), "no data in the record"


async def test_a_name_is_generated_when_none_is_given(world: World) -> None:
    execution_id = await world.use_case.create(world.request(x=1))
    assert len(execution_id.name) == 20 and execution_id.name.startswith("a")


async def test_a_duplicate_name_already_exists_and_keeps_the_first(world: World) -> None:
    await world.use_case.create(world.request("run1", x=1))
    with pytest.raises(EntityAlreadyExists):
        await world.use_case.create(world.request("run1", x=2))
    inputs = await world.inputs_of(
        identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development", name="run1")
    )
    assert inputs.literals["x"] == world.int_literal(1)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [({}, "expected_inputs x missing"), ({"x": 1, "z": 2}, "invalid input z")],
)
async def test_inputs_that_do_not_fit_are_refused_naming_the_input(
    world: World, inputs: dict[str, int], message: str
) -> None:
    with pytest.raises(InputsRejected, match=message):
        await world.use_case.create(world.request("run1", **inputs))
    with pytest.raises(EntityNotFound):
        await world.use_case.get(
            identifier_pb2.WorkflowExecutionIdentifier(
                project="p", domain="development", name="run1"
            )
        )


async def test_a_mistyped_input_is_refused_naming_it(world: World) -> None:
    request = world.request("run1")
    request.inputs.literals["x"].scalar.primitive.string_value = "one"
    with pytest.raises(InputsRejected, match="invalid x input wrong type"):
        await world.use_case.create(request)


async def test_request_shape_checks_name_the_field(world: World) -> None:
    request = world.request("run1", x=1)
    request.project = ""
    with pytest.raises(MissingField, match="project"):
        await world.use_case.create(request)
    request = world.request("run1", x=1)
    request.spec.launch_plan.version = ""
    with pytest.raises(MissingField, match=r"launch_plan\.version"):
        await world.use_case.create(request)
    request = world.request("run1", x=1)
    request.spec.launch_plan.resource_type = identifier_pb2.WORKFLOW
    with pytest.raises(InvalidField, match=r"launch_plan\.resource_type"):
        await world.use_case.create(request)


async def test_unknown_project_and_launch_plan_are_refused(world: World) -> None:
    request = world.request("run1", x=1)
    request.project = "absent"
    with pytest.raises(ProjectNotUsable):
        await world.use_case.create(request)
    request = world.request("run1", x=1)
    request.spec.launch_plan.version = "v9"
    with pytest.raises(EntityNotFound):
        await world.use_case.create(request)


async def test_matchable_execution_config_fills_what_request_and_launch_plan_leave_unset(
    world: World,
) -> None:
    config = matchable_resource_pb2.WorkflowExecutionConfig(
        max_parallelism=5,
        raw_output_data_config=common_pb2.RawOutputDataConfig(output_location_prefix="s3://b/raw"),
        security_context=security_pb2.SecurityContext(
            run_as=security_pb2.Identity(k8s_service_account="runner")
        ),
        annotations=common_pb2.Annotations(values={"note": "x"}),
        labels=common_pb2.Labels(values={"from": "attrs"}),
    )
    await world.attributes.update_workflow(
        "p",
        "development",
        "wf",
        matchable_resource_pb2.MatchingAttributes(workflow_execution_config=config),
    )
    request = world.request("run1", x=1)
    request.spec.max_parallelism = 3
    stored = (await world.use_case.get(await world.use_case.create(request))).spec
    assert stored.max_parallelism == 3
    assert stored.security_context.run_as.k8s_service_account == "runner"
    spec = _handed_spec(world)
    assert spec.max_parallelism == 3
    assert spec.raw_output_data_config.output_location_prefix == "s3://b/raw"
    assert spec.security_context.run_as.k8s_service_account == "runner"
    assert dict(spec.annotations.values) == {"note": "x"}
    assert dict(spec.labels.values) == {"team": "ml", "org": "x"}, "plan's first, project's"
    assert await world.attributes.effective(AttributeKey(6, "p", "development", "wf"))


async def test_get_of_an_unknown_execution_is_not_found_with_the_reference_message(
    world: World,
) -> None:
    missing = identifier_pb2.WorkflowExecutionIdentifier(
        project="p", domain="development", name="nope"
    )
    with pytest.raises(EntityNotFound, match="missing entity of type execution"):
        await world.use_case.get(missing)
    with pytest.raises(MissingField, match="name"):
        await world.use_case.get(
            identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="development")
        )


async def test_the_calls_span_names_the_execution_it_created(world: World) -> None:
    """A trace UI finds a run's trace by this tag (the console links to that search)."""
    exported = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exported))
    with provider.get_tracer("test").start_as_current_span("CreateExecution"):
        await world.use_case.create(world.request("run1", x=1))
    (span,) = exported.get_finished_spans()
    assert span.attributes is not None
    assert span.attributes[EXECUTION_TAG] == "p/development/run1"

from __future__ import annotations

from decimal import Decimal

import pytest
from flyteidl.admin import task_pb2
from flyteidl.core import identifier_pb2, interface_pb2, tasks_pb2

from flightdeck_admin.domain import identifiers, registration
from flightdeck_admin.domain.errors import EntityNotFound, InvalidField, MissingField
from flightdeck_admin.domain.tasks import validate_spec
from flightdeck_compiler import quantities

LIMITS = {"cpu": Decimal(2), "memory": quantities.parse("1Gi"), "gpu": Decimal(1)}
R = tasks_pb2.Resources


def _spec(**container: object) -> task_pb2.TaskSpec:
    return task_pb2.TaskSpec(
        template=tasks_pb2.TaskTemplate(
            type="python-task",
            metadata=tasks_pb2.TaskMetadata(),
            interface=interface_pb2.TypedInterface(),
            container=tasks_pb2.Container(**{"image": "img:1", **container}),  # type: ignore[arg-type]
        )
    )


def _resources(requests=(), limits=()) -> tasks_pb2.Resources:  # type: ignore[no-untyped-def]
    entry = tasks_pb2.Resources.ResourceEntry
    return tasks_pb2.Resources(
        requests=[entry(name=n, value=v) for n, v in requests],
        limits=[entry(name=n, value=v) for n, v in limits],
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500m", Decimal("0.5")),
        ("2", Decimal(2)),
        ("1Gi", Decimal(2**30)),
        ("1e3", Decimal(1000)),
        ("1.5G", Decimal("1.5e9")),
    ],
)
def test_quantities(text: str, value: Decimal) -> None:
    assert quantities.parse(text) == value


@pytest.mark.parametrize("text", ["", "abc", "1Gii", "1e3Gi", "--1"])
def test_bad_quantities(text: str) -> None:
    with pytest.raises(quantities.QuantityError):
        quantities.parse(text)


def test_a_valid_container_task_passes() -> None:
    validate_spec(
        _spec(resources=_resources([(R.CPU, "1"), (R.MEMORY, "500Mi")], [(R.CPU, "2")])), LIMITS
    )


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        (task_pb2.TaskSpec(), "missing template"),
        (task_pb2.TaskSpec(template=tasks_pb2.TaskTemplate()), "missing type"),
        (task_pb2.TaskSpec(template=tasks_pb2.TaskTemplate(type="t")), "missing metadata"),
        (
            task_pb2.TaskSpec(
                template=tasks_pb2.TaskTemplate(type="t", metadata=tasks_pb2.TaskMetadata())
            ),
            "missing interface",
        ),
    ],
)
def test_required_parts(spec: task_pb2.TaskSpec, field: str) -> None:
    with pytest.raises(MissingField, match=field):
        validate_spec(spec, LIMITS)


def test_container_needs_an_image() -> None:
    with pytest.raises(MissingField, match="missing image"):
        validate_spec(_spec(image=""), LIMITS)


@pytest.mark.parametrize(
    ("requests", "limits", "reason"),
    [
        ([(R.CPU, "lots")], [], "not a resource quantity"),
        ([(R.CPU, "1"), (R.CPU, "1")], [], "more than once"),
        ([(R.CPU, "2")], [(R.CPU, "1")], "less than its request"),
        ([(R.CPU, "3")], [], "exceeds the platform limit"),
        ([(R.MEMORY, "1")], [(R.MEMORY, "2Gi")], "exceeds the platform limit"),
        ([(R.GPU, "0.5")], [], "whole number"),
        ([(R.GPU, "1")], [(R.GPU, "2")], "must equal"),
    ],
)
def test_resource_rules(requests, limits, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidField, match=reason):
        validate_spec(_spec(resources=_resources(requests, limits)), LIMITS)


def test_limits_without_requests_are_not_checked_against_the_platform() -> None:
    validate_spec(_spec(resources=_resources([], [(R.CPU, "64")])), LIMITS)


def test_digest_ignores_map_order_and_diff_names_paths() -> None:
    one = tasks_pb2.TaskTemplate(type="a", config={"x": "1", "y": "2"})
    two = tasks_pb2.TaskTemplate(type="a", config={"y": "2", "x": "1"})
    assert registration.digest(one) == registration.digest(two)
    changed = tasks_pb2.TaskTemplate(type="b", config={"x": "1", "y": "3"})
    diff = registration.structure_diff(one, changed)
    assert "type: 'a' -> 'b'" in diff and "config.y: '2' -> '3'" in diff


@pytest.mark.parametrize(
    ("resource_type", "kind"),
    [(identifier_pb2.TASK, "TASK"), (identifier_pb2.LAUNCH_PLAN, "LAUNCH_PLAN")],
)
def test_a_missing_entity_is_named_as_the_reference_names_it(resource_type: int, kind: str) -> None:
    entity_id = identifier_pb2.Identifier(
        resource_type=resource_type, project="p", domain="d", name="n", version="v"
    )
    error = identifiers.missing_entity(resource_type, entity_id)
    assert isinstance(error, EntityNotFound)
    assert str(error) == (
        f'missing entity of type {kind} with identifier project:"p" domain:"d" name:"n" version:"v"'
    )

"""compile_task (§9.6, admin spec §2.1 step 4)."""

from __future__ import annotations

import pytest
from flyteidl.core import tasks_pb2
from google.protobuf import struct_pb2

from flightdeck_compiler import TaskCompileFailed, compile_task

Resources = tasks_pb2.Resources


def container_task(build, **container) -> tasks_pb2.TaskTemplate:
    template = build.task("t", {"x": build.INT}, {"o0": build.INT})
    template.container.CopyFrom(tasks_pb2.Container(**container))
    return template


def errors_of(template: tasks_pb2.TaskTemplate) -> list[tuple[str, str]]:
    with pytest.raises(TaskCompileFailed) as caught:
        compile_task(template)
    assert caught.value.message.startswith("task failed compilation with Collected Errors: ")
    return [(str(e.code), e.node_id) for e in caught.value.errors]


def test_container_task_compiles(build) -> None:
    template = container_task(
        build,
        image="img",
        args=["run"],
        resources=Resources(
            requests=[Resources.ResourceEntry(name=Resources.CPU, value="500m")],
            limits=[Resources.ResourceEntry(name=Resources.MEMORY, value="1.5Gi")],
        ),
    )
    assert compile_task(template).template == template


def test_container_needs_an_image(build) -> None:
    assert errors_of(container_task(build, args=["run"])) == [("ValueRequired", "container")]


def test_container_with_inputs_needs_a_command(build) -> None:
    assert errors_of(container_task(build, image="img")) == [("ValueRequired", "container")]
    no_io = build.task("t")
    no_io.container.image = "img"
    assert compile_task(no_io)


@pytest.mark.parametrize("value", ["1.5x", "", "abc", "1..2"])
def test_resource_values_must_be_quantities(build, value: str) -> None:
    resources = Resources(requests=[Resources.ResourceEntry(name=Resources.CPU, value=value)])
    template = container_task(build, image="img", args=["run"], resources=resources)
    assert errors_of(template) == [("UnrecognizedValue", "resources.CPU")]


def test_task_needs_an_id(build) -> None:
    template = container_task(build, image="img", args=["run"])
    template.ClearField("id")
    assert errors_of(template) == [("ValueRequired", "root")]


def pod_task(build, spec: dict | None) -> tasks_pb2.TaskTemplate:
    template = build.task("t")
    template.k8s_pod.metadata.labels["a"] = "b"
    if spec is not None:
        pod_spec = struct_pb2.Struct()
        pod_spec.update(spec)
        template.k8s_pod.pod_spec.CopyFrom(pod_spec)
    return template


def test_pod_task_compiles(build) -> None:
    assert compile_task(pod_task(build, {"containers": [{"name": "primary"}]}))


def test_pod_task_container_names_are_dns_labels(build) -> None:
    template = pod_task(build, {"containers": [{"name": "Primary_1"}]})
    assert errors_of(template) == [("InvalidValue", "root")]


def test_pod_spec_must_decode(build) -> None:
    assert errors_of(pod_task(build, {"containers": "nope"})) == [("InvalidValue", "root")]
    assert errors_of(pod_task(build, None)) == [("ValueRequired", "root")]


def test_plugin_tasks_pass_through(build) -> None:
    template = build.task("t", {"x": build.INT})
    template.type = "spark"
    assert compile_task(template).template == template

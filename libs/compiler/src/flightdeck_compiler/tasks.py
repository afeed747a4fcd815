"""``compile_task``: CreateTask's compile step (§9.6, admin spec §2.1 step 4).

Container tasks need an image, and a command or args once the interface has inputs or outputs;
resource values must be k8s quantities. Pod tasks need a pod spec that decodes, with DNS-1123
container names. Other task types (plugins) are accepted as they are.
"""

from __future__ import annotations

from typing import Any

from flyteidl.core import compiler_pb2, tasks_pb2

from flightdeck_compiler import messages
from flightdeck_compiler.errors import ErrorSet
from flightdeck_compiler.failures import TaskCompileFailed
from flightdeck_compiler.kubernetes_names import is_dns_label as is_dns1123_label
from flightdeck_compiler.quantities import is_quantity


def compile_task(template: tasks_pb2.TaskTemplate) -> compiler_pb2.CompiledTask:
    """Raises ``TaskCompileFailed`` ("task failed compilation with ...") on any error."""
    errors = ErrorSet()
    if not template.HasField("id"):
        errors.add(messages.value_required("root", "Id"))
    target = template.WhichOneof("target")
    if target == "container":
        _check_container(template, errors)
    elif target == "k8s_pod":
        _check_pod(template, errors)
    if errors:
        raise TaskCompileFailed(errors.sorted())
    return compiler_pb2.CompiledTask(template=template)


def _check_container(template: tasks_pb2.TaskTemplate, errors: ErrorSet) -> None:
    container = template.container
    interface = template.interface
    has_io = bool(interface.inputs.variables) or bool(interface.outputs.variables)
    if has_io and not container.command and not container.args:
        errors.add(messages.value_required("container", "command"))
    if not container.image:
        errors.add(messages.value_required("container", "image"))
    for entry in [*container.resources.requests, *container.resources.limits]:
        if not is_quantity(entry.value):
            name = tasks_pb2.Resources.ResourceName.Name(entry.name)
            errors.add(messages.unrecognized_value(f"resources.{name}", entry.value))


def _check_pod(template: tasks_pb2.TaskTemplate, errors: ErrorSet) -> None:
    pod = template.k8s_pod
    if not pod.HasField("pod_spec"):
        errors.add(messages.value_required("root", "k8s pod"))
        return
    names = _container_names(pod.pod_spec)
    if names is None:
        errors.add(messages.invalid_value("root", "k8s pod spec"))
        return
    for name in names:
        if not is_dns1123_label(name):
            errors.add(messages.invalid_value("root", "k8s pod spec container name"))


def _container_names(pod_spec: Any) -> list[str] | None:
    """The containers' names, or None when they would not decode into a k8s PodSpec."""
    if "containers" not in pod_spec.fields:
        return []
    containers = pod_spec.fields["containers"]
    if containers.WhichOneof("kind") != "list_value":
        return None
    names = []
    for container in containers.list_value.values:
        if container.WhichOneof("kind") != "struct_value":
            return None
        name = container.struct_value.fields.get("name")
        if name is not None and name.WhichOneof("kind") != "string_value":
            return None
        names.append(name.string_value if name is not None else "")
    return names

"""CreateTask rules before compilation (admin.md §2.1 steps 2 and 3)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from flyteidl.admin import task_pb2
from flyteidl.core import tasks_pb2

from flightdeck_admin.domain.errors import InvalidField, MissingField
from flightdeck_compiler import quantities

ResourceLimits = Mapping[str, Decimal]
"""Platform ceilings by resource name (``cpu``, ``memory``, ``gpu``...)."""

_NAMES = {
    tasks_pb2.Resources.CPU: "cpu",
    tasks_pb2.Resources.GPU: "gpu",
    tasks_pb2.Resources.MEMORY: "memory",
    tasks_pb2.Resources.STORAGE: "storage",
    tasks_pb2.Resources.EPHEMERAL_STORAGE: "ephemeral_storage",
}


def validate_spec(spec: task_pb2.TaskSpec, limits: ResourceLimits) -> None:
    if not spec.HasField("template"):
        raise MissingField("template")
    template = spec.template
    if not template.type:
        raise MissingField("type")
    if not template.HasField("metadata"):
        raise MissingField("metadata")
    if template.metadata.HasField("runtime") and not template.metadata.runtime.version:
        raise MissingField("runtime version")
    if not template.HasField("interface"):
        raise MissingField("interface")
    if template.HasField("container"):
        _validate_container(template.container, limits)


def _validate_container(container: tasks_pb2.Container, limits: ResourceLimits) -> None:
    if not container.image:
        raise MissingField("image")
    requests = _amounts(container.resources.requests, "requests")
    ceilings = _amounts(container.resources.limits, "limits")
    for name, request in requests.items():
        _validate_request(name, request, ceilings.get(name), limits.get(name))
    if "gpu" in ceilings and "gpu" not in requests:
        _require_whole_gpu(ceilings["gpu"])


def _amounts(entries: object, field: str) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for entry in entries:  # type: ignore[attr-defined]
        name = _NAMES.get(entry.name, "unknown")
        if name in found:
            raise InvalidField(f"resources.{field}", f"{name} is given more than once")
        try:
            found[name] = quantities.parse(entry.value)
        except quantities.QuantityError as error:
            raise InvalidField(f"resources.{field}", f"{name}: {error}") from None
    return found


def _validate_request(
    name: str, request: Decimal, limit: Decimal | None, ceiling: Decimal | None
) -> None:
    if name == "gpu":
        _require_whole_gpu(request)
        if limit is not None and limit != request:
            raise InvalidField("resources", "gpu request must equal the gpu limit")
    if limit is not None and limit < request:
        raise InvalidField("resources", f"{name} limit is less than its request")
    for value, what in ((limit, "limit"), (request, "request")):
        if value is not None and ceiling is not None and value > ceiling:
            raise InvalidField(
                "resources",
                f"{name} {what} {value.normalize()} exceeds the platform limit "
                f"{ceiling.normalize()}",
            )


def _require_whole_gpu(amount: Decimal) -> None:
    if amount != amount.to_integral_value():
        raise InvalidField("resources", "gpu must be a whole number")

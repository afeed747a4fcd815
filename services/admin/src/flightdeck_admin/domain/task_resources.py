"""Platform task resources written into every compiled task of a launched workflow (admin.md
§3.1 step 8): per resource, request := the task's request, else its limit, else the platform
default; limit := the task's limit, else the request; both capped by the platform limit, and the
request never above the limit. A resource appears only when the task names it or a platform
default exists (so GPU and ephemeral storage usually stay absent)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from flyteidl.admin import matchable_resource_pb2, workflow_pb2
from flyteidl.core import tasks_pb2

from flightdeck_compiler import quantities

Resource = tasks_pb2.Resources.ResourceName
_NAMES = {
    "cpu": Resource.CPU,
    "memory": Resource.MEMORY,
    "gpu": Resource.GPU,
    "ephemeral_storage": Resource.EPHEMERAL_STORAGE,
}


@dataclass(frozen=True)
class PlatformResources:
    defaults: Mapping[str, str]
    limits: Mapping[str, str]

    def overridden_by(
        self, attributes: matchable_resource_pb2.TaskResourceAttributes | None
    ) -> PlatformResources:
        """A TASK_RESOURCE attribute's non-empty values replace the configured ones."""
        if attributes is None:
            return self
        return PlatformResources(
            {**self.defaults, **_named(attributes.defaults)},
            {**self.limits, **_named(attributes.limits)},
        )


def _named(spec: matchable_resource_pb2.TaskResourceSpec) -> dict[str, str]:
    return {name: getattr(spec, name) for name in _NAMES if getattr(spec, name)}


def with_platform_resources(
    closure: workflow_pb2.WorkflowClosure, platform: PlatformResources
) -> workflow_pb2.WorkflowClosure:
    """A copy of ``closure`` whose container tasks carry the defaulted resources."""
    result = workflow_pb2.WorkflowClosure()
    result.CopyFrom(closure)
    for task in result.compiled_workflow.tasks:
        if task.template.HasField("container"):
            _default(task.template.container.resources, platform)
    return result


def _default(resources: tasks_pb2.Resources, platform: PlatformResources) -> None:
    requests = {entry.name: entry.value for entry in resources.requests}
    limits = {entry.name: entry.value for entry in resources.limits}
    for name, resource in _NAMES.items():
        wanted = requests.get(resource) or limits.get(resource) or platform.defaults.get(name, "")
        if not wanted:
            continue
        request, limit = wanted, limits.get(resource) or wanted
        if cap := platform.limits.get(name, ""):
            request, limit = _capped(request, cap), _capped(limit, cap)
        if _amount(request) > _amount(limit):
            request = limit
        requests[resource], limits[resource] = request, limit
    _write(resources.requests, requests)
    _write(resources.limits, limits)


def _capped(value: str, cap: str) -> str:
    return cap if _amount(value) > _amount(cap) else value


def _amount(value: str) -> Decimal:
    try:
        return quantities.parse(value)
    except quantities.QuantityError:
        return Decimal(0)


def _write(entries: object, values: dict[int, str]) -> None:
    del entries[:]  # type: ignore[attr-defined]
    for resource in sorted(values):
        entries.add(name=resource, value=values[resource])  # type: ignore[attr-defined]

"""The environment of a task process (spec/executor.md §1.3), later entries winning."""

from __future__ import annotations

from collections.abc import Mapping

from flyteidl.core import identifier_pb2, tasks_pb2


def task_environment(
    template: tasks_pb2.TaskTemplate,
    execution_id: identifier_pb2.WorkflowExecutionIdentifier,
    workflow_name: str,
    attempt: int,
    execution_envs: Mapping[str, str],
    platform: Mapping[str, str],
    array_index: int | None = None,
) -> dict[str, str]:
    env = {pair.key: pair.value for pair in template.container.env}
    task = template.id
    env.update(
        {
            "FLYTE_INTERNAL_EXECUTION_WORKFLOW": (
                f"{execution_id.project}:{execution_id.domain}:{workflow_name}"
            ),
            "FLYTE_INTERNAL_EXECUTION_ID": execution_id.name,
            "FLYTE_INTERNAL_EXECUTION_PROJECT": execution_id.project,
            "FLYTE_INTERNAL_EXECUTION_DOMAIN": execution_id.domain,
            "FLYTE_ATTEMPT_NUMBER": str(attempt),
            "FLYTE_INTERNAL_TASK_PROJECT": task.project,
            "FLYTE_INTERNAL_TASK_DOMAIN": task.domain,
            "FLYTE_INTERNAL_TASK_NAME": task.name,
            "FLYTE_INTERNAL_TASK_VERSION": task.version,
        }
    )
    env.update(execution_envs)
    if array_index is not None:
        env["BATCH_JOB_ARRAY_INDEX_VAR_NAME"] = "FLYTE_K8S_ARRAY_INDEX"
        env["FLYTE_K8S_ARRAY_INDEX"] = str(array_index)
    env.update(platform)
    return env


def container_argv(template: tasks_pb2.TaskTemplate) -> list[str]:
    """command + args of the container the task runs in (a pod template's primary one)."""
    if template.HasField("container"):
        return [*template.container.command, *template.container.args]
    if template.HasField("k8s_pod"):
        primary = template.config.get("primary_container_name", "")
        spec = template.k8s_pod.pod_spec
        for container in spec.fields["containers"].list_value.values:
            fields = container.struct_value.fields
            if fields["name"].string_value == primary:
                return [
                    *(v.string_value for v in fields["command"].list_value.values),
                    *(v.string_value for v in fields["args"].list_value.values),
                ]
    return []


def image_of(template: tasks_pb2.TaskTemplate) -> str:
    return template.container.image if template.HasField("container") else ""


def in_own_directory(argv: list[str]) -> list[str]:
    """A pod's working directory is its own; a local attempt's too. ``pyflyte register``
    bakes an absolute ``--dest-dir`` (``/root``) into fast-execute commands, which here would
    have every attempt unpack into one shared directory: it becomes the attempt's own."""
    localized = list(argv)
    for index, argument in enumerate(localized[:-1]):
        if argument == "--dest-dir" and localized[index + 1].startswith("/"):
            localized[index + 1] = "."
    return localized

"""Request shape checks; each failure names the field (``missing <field>``)."""

from __future__ import annotations

from flyteidl.admin import agent_pb2

from flightdeck_platform import faults


def template_type(template_type: str, field: str = "template.type") -> None:
    if not template_type:
        raise faults.MissingField(field)


def task_reference(
    resource_meta: bytes, task_category: agent_pb2.TaskCategory, task_type: str
) -> None:
    """Get, Delete, metrics and logs name the task by its resource meta and category (or the
    deprecated task type)."""
    if not resource_meta:
        raise faults.MissingField("resource_meta")
    if not task_category.name and not task_type:
        raise faults.MissingField("task_category.name")


def sync_header(first: agent_pb2.ExecuteTaskSyncRequest | None) -> agent_pb2.ExecuteTaskSyncRequest:
    """The stream opens with its header: the template, which says where the stream goes."""
    if first is None or not first.HasField("header"):
        raise faults.MissingField("header")
    template_type(first.header.template.type, "header.template.type")
    return first

"""Rules for projects (reference: admin.md §1.1, §6.1)."""

from __future__ import annotations

from flyteidl.admin import project_pb2

from flightdeck_admin.domain.errors import InvalidField, MissingField
from flightdeck_compiler.kubernetes_names import (
    is_dns_label,
    is_label_value,
    is_qualified_name,
)

NAME_MAX = 64
DESCRIPTION_MAX = 300
LABELS_MAX = 16
ACTIVE = project_pb2.Project.ACTIVE
ARCHIVED = project_pb2.Project.ARCHIVED


def validate_project_id(project_id: str) -> None:
    if not project_id:
        raise MissingField("project_id")
    if not is_dns_label(project_id):
        raise InvalidField(
            "project_id", f"{project_id!r} is not a DNS-1123 label (lower-case, digits, '-')"
        )


def validate_labels(labels: dict[str, str], field: str = "labels") -> None:
    if len(labels) > LABELS_MAX:
        raise InvalidField(field, f"at most {LABELS_MAX} labels are allowed")
    for key, value in labels.items():
        if not is_qualified_name(key):
            raise InvalidField(field, f"label key {key!r} is not a qualified name")
        if not is_label_value(value):
            raise InvalidField(field, f"label value {value!r} of {key!r} is not a label value")


def validate_project(project: project_pb2.Project, *, name_required: bool) -> None:
    validate_project_id(project.id)
    if name_required and not project.name:
        raise MissingField("project_name")
    if len(project.name) > NAME_MAX:
        raise InvalidField("project_name", f"longer than {NAME_MAX} characters")
    if len(project.description) > DESCRIPTION_MAX:
        raise InvalidField("project_description", f"longer than {DESCRIPTION_MAX} characters")
    validate_labels(dict(project.labels.values))
    if len(project.domains) > 0:
        raise InvalidField(
            "project_domains",
            "Domains are currently only set system wide. "
            "Please retry without domains included in your request.",
        )


def merge_update(stored: project_pb2.Project, update: project_pb2.Project) -> project_pb2.Project:
    """Only non-empty name/description and present labels overwrite; state is always written,
    so an update without a state re-activates the project (the reference does the same)."""
    merged = project_pb2.Project()
    merged.CopyFrom(stored)
    if update.name:
        merged.name = update.name
    if update.description:
        merged.description = update.description
    if update.HasField("labels"):
        merged.labels.CopyFrom(update.labels)
    merged.state = update.state
    return merged

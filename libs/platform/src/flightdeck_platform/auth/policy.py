"""The optional per-project policy: a token carrying a ``projects`` claim (the built-in server
adds one for clients registered with projects) may only touch those projects. Off unless
``auth.project_policy``; tokens without the claim are unrestricted."""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from flightdeck_platform import faults
from flightdeck_platform.auth.principal import Principal

MAX_DEPTH = 4
PROJECT_MESSAGES = frozenset({"flyteidl.admin.Project", "flyteidl.admin.ProjectGetRequest"})
"""Messages about a project itself, which name it ``id``."""


def project_of(request: Any, depth: int = 0) -> str:
    """The first non-empty ``project`` field, nearest the top (``project``, ``id.project``,
    ``id.node_execution_id.execution_id.project``...); empty when the request names none."""
    if not isinstance(request, Message) or depth > MAX_DEPTH:
        return ""
    names = {"project", "id"} if request.DESCRIPTOR.full_name in PROJECT_MESSAGES else {"project"}
    nested = []
    for field, value in request.ListFields():
        if field.name in names and isinstance(value, str) and value:
            return value
        if isinstance(value, Message):  # repeated and map fields are containers, skipped
            nested.append(value)
    for child in nested:
        found = project_of(child, depth + 1)
        if found:
            return found
    return ""


def authorize_project(method: str, caller: Principal, request: Any) -> None:
    allowed = caller.claims.get("projects")
    if not isinstance(allowed, list) or not allowed:
        return
    project = project_of(request)
    if project and project not in allowed:
        raise faults.PermissionDenied(
            f"{caller.subject} may not access project {project!r} ({method})"
        )

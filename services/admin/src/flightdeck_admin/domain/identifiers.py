"""Identifier rules shared by every registered entity (admin.md §1.1)."""

from __future__ import annotations

from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import EntityNotFound, InvalidField, MissingField
from flightdeck_typecheck import compact_text

TASK = identifier_pb2.TASK
WORKFLOW = identifier_pb2.WORKFLOW
LAUNCH_PLAN = identifier_pb2.LAUNCH_PLAN

_PARTS = ("project", "domain", "name", "version")


def type_name(resource_type: int) -> str:
    return identifier_pb2.ResourceType.Name(resource_type)


def missing_entity(resource_type: int, identifier: identifier_pb2.Identifier) -> EntityNotFound:
    """The reference's not-found text for a task, workflow or launch plan, which users search
    for: ``missing entity of type TASK with identifier project:"p" domain:"d" name:"n"
    version:"v"`` (the identifier without its resource type)."""
    shown = identifier_pb2.Identifier(
        project=identifier.project,
        domain=identifier.domain,
        name=identifier.name,
        version=identifier.version,
    )
    return EntityNotFound(
        f"missing entity of type {type_name(resource_type)} with identifier {compact_text(shown)}"
    )


def describe(identifier: identifier_pb2.Identifier) -> str:
    return (
        f"{type_name(identifier.resource_type)}:{identifier.project}:{identifier.domain}:"
        f"{identifier.name}:{identifier.version}"
    )


def require_complete(identifier: identifier_pb2.Identifier, expected_type: int) -> None:
    """All four parts, checked in the reference's order, and the entity's resource type."""
    for part in _PARTS:
        if not getattr(identifier, part):
            raise MissingField(part)
    if identifier.resource_type != expected_type:
        raise InvalidField(
            "resource_type",
            f"unexpected resource type {type_name(identifier.resource_type)} for identifier "
            f"[{describe(identifier)}], expected {type_name(expected_type)} instead",
        )


def defaulted(
    identifier: identifier_pb2.Identifier, expected_type: int
) -> identifier_pb2.Identifier:
    """Get RPCs treat an unset resource type as the entity's own (the reference's RPC layer)."""
    result = identifier_pb2.Identifier()
    result.CopyFrom(identifier)
    if result.resource_type == identifier_pb2.UNSPECIFIED:
        result.resource_type = expected_type
    return result


def key(identifier: identifier_pb2.Identifier) -> tuple[int, str, str, str, str]:
    return (
        identifier.resource_type,
        identifier.project,
        identifier.domain,
        identifier.name,
        identifier.version,
    )


def project_domain_scope(project: str, domain: str) -> dict[str, str]:
    """The implicit filter of a list request; both parts are required."""
    for part, value in (("project", project), ("domain", domain)):
        if not value:
            raise MissingField(part)
    return {"project": project, "domain": domain}


def named_scope(project: str, domain: str, name: str) -> dict[str, str]:
    """Project and domain required; the name narrows the list when given."""
    scope = project_domain_scope(project, domain)
    return {**scope, "name": name} if name else scope

"""Named entities (admin.md §2.5): a (type, project, domain, name) exists while any version of
it is registered; its metadata lives beside it and defaults to active, no description."""

from __future__ import annotations

from flyteidl.admin import common_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.errors import InvalidField, MissingField

DESCRIPTION_MAX = 300
VERSIONED_TYPES = frozenset(
    (identifier_pb2.TASK, identifier_pb2.WORKFLOW, identifier_pb2.LAUNCH_PLAN)
)


def validate_name(resource_type: int, entity_id: common_pb2.NamedEntityIdentifier) -> None:
    if resource_type == identifier_pb2.UNSPECIFIED:
        raise MissingField("resource_type")
    if resource_type not in VERSIONED_TYPES:
        raise InvalidField("resource_type", "named entities are tasks, workflows or launch plans")
    for part in ("project", "domain", "name"):
        if not getattr(entity_id, part):
            raise MissingField(part)


def validate_metadata(request: common_pb2.NamedEntityUpdateRequest) -> None:
    if not request.HasField("metadata"):
        raise MissingField("metadata")
    if len(request.metadata.description) > DESCRIPTION_MAX:
        raise InvalidField("metadata.description", f"longer than {DESCRIPTION_MAX} characters")


def merged(
    stored: common_pb2.NamedEntityMetadata, update: common_pb2.NamedEntityMetadata
) -> common_pb2.NamedEntityMetadata:
    """An empty description keeps the stored one; the state is always written."""
    return common_pb2.NamedEntityMetadata(
        description=update.description or stored.description, state=update.state
    )

"""Setting request fields named by dotted paths (``id.project``, ``sort_by.direction``).

Paths are resolved once against the descriptor (proto names, or lowerCamel JSON names as
grpc-gateway also accepts), then values are assigned, creating sub-messages on the way.
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from flightdeck_platform.rest import scalars

FieldPath = tuple[FieldDescriptor, ...]


class UnknownField(ValueError):
    """A name in the path is not a field of the message it is looked up in."""


class InvalidPath(ValueError):
    """The path goes through a field that is not a singular message."""


def resolve(descriptor: Descriptor, dotted: str) -> FieldPath:
    path: list[FieldDescriptor] = []
    current: Descriptor | None = descriptor
    for name in dotted.split("."):
        if current is None:
            raise InvalidPath(f"{path[-1].name!r} is not a message")
        field = _field(current, name)
        if field is None:
            raise UnknownField(f"{current.full_name} has no field {name!r}")
        path.append(field)
        current = field.message_type if _is_singular_message(field) else None
    return tuple(path)


def names(path: FieldPath) -> tuple[str, ...]:
    return tuple(field.name for field in path)


def assign(message: Message, path: FieldPath, values: Sequence[str]) -> None:
    """Set (or, for repeated fields, append) ``values`` at ``path``; ``ValueError`` if bad."""
    target = message
    for field in path[:-1]:
        target = getattr(target, field.name)
        target.SetInParent()
    leaf = path[-1]
    if _is_map(leaf):
        raise ValueError("map fields cannot be set from parameters")
    if leaf.is_repeated:
        _extend(getattr(target, leaf.name), leaf, values)
    elif len(values) != 1:
        raise ValueError(f"expects one value, got {len(values)}")
    else:
        _set(target, leaf, values[0])


def _field(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    field = descriptor.fields_by_name.get(name)
    return field if field is not None else descriptor.fields_by_camelcase_name.get(name)


def _is_map(field: FieldDescriptor) -> bool:
    entry = field.message_type
    return entry is not None and entry.GetOptions().map_entry


def _is_singular_message(field: FieldDescriptor) -> bool:
    return field.type == FieldDescriptor.TYPE_MESSAGE and not field.is_repeated


def _set(target: Message, field: FieldDescriptor, text: str) -> None:
    value = scalars.parse(field, text)
    if isinstance(value, Message):
        getattr(target, field.name).CopyFrom(value)
    else:
        setattr(target, field.name, value)


def _extend(container: object, field: FieldDescriptor, values: Sequence[str]) -> None:
    for text in values:
        value = scalars.parse(field, text)
        if isinstance(value, Message):
            container.add().CopyFrom(value)  # type: ignore[attr-defined]
        else:
            container.append(value)  # type: ignore[attr-defined]

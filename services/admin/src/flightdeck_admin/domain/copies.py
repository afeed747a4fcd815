"""Protobuf messages are mutable: what a cache keeps is handed out as a copy."""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

Entity = TypeVar("Entity", bound=Message)


def copied(message: Entity) -> Entity:
    duplicate = type(message)()
    duplicate.CopyFrom(message)
    return duplicate

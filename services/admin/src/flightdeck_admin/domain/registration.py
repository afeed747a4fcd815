"""Re-registration rules (admin.md §1.3): identical content is AlreadyExists (clients treat it
as success), different content under the same id is InvalidArgument with a diff."""

from __future__ import annotations

import hashlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

DIFF_LIMIT_BYTES = 3 * 1024 * 1024


def digest(message: Message) -> str:
    """Deterministic serialization, so map order never makes two equal specs look different."""
    return hashlib.sha256(message.SerializeToString(deterministic=True)).hexdigest()


def structure_diff(stored: Message, proposed: Message) -> str:
    """A readable list of the paths whose values differ, capped like the reference's diff."""
    lines = [
        f"{path}: {before!r} -> {after!r}"
        for path, before, after in _differences(_as_dict(stored), _as_dict(proposed), "")
    ]
    return "\n".join(lines).encode()[:DIFF_LIMIT_BYTES].decode(errors="ignore")


def _as_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _differences(before: Any, after: Any, path: str) -> list[tuple[str, Any, Any]]:
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in sorted(before.keys() | after.keys()):
            found += _differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        found = []
        for index, (left, right) in enumerate(zip(before, after, strict=True)):
            found += _differences(left, right, f"{path}[{index}]")
        return found
    return [] if before == after else [(path, before, after)]

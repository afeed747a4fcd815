"""Document helpers: every document keeps the serialized protobuf in ``blob`` plus the few
promoted fields that queries need, named like the reference's columns."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)

BLOB = "blob"


def now() -> datetime:
    """Millisecond precision: what BSON dates keep, so a value reads back equal."""
    moment = datetime.now(UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def blob_of(message: Message) -> bytes:
    return message.SerializeToString(deterministic=True)


def message_from(document: Mapping[str, Any], message_type: type[M]) -> M:
    return message_type.FromString(document[BLOB])


def key_value_list(values: Mapping[str, str]) -> list[dict[str, str]]:
    """Label maps as arrays: FerretDB refuses dots in keys and Flyte label keys have them."""
    return [{"key": k, "value": v} for k, v in sorted(values.items())]

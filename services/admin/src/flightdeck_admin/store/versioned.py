"""Shared shape of versioned entities (tasks, workflows, launch plans): one document per
(project, domain, name, version), unique, so concurrent registrations leave one record."""

from __future__ import annotations

from typing import Any

from flyteidl.core import identifier_pb2
from pymongo import ASCENDING, IndexModel

ID_FIELDS = ("project", "domain", "name", "version")

UNIQUE_ID_INDEX = IndexModel([(f, ASCENDING) for f in ID_FIELDS], unique=True, name="identifier")


def id_filter(identifier: identifier_pb2.Identifier) -> dict[str, Any]:
    return {field: getattr(identifier, field) for field in ID_FIELDS}


def describe(identifier: identifier_pb2.Identifier) -> str:
    return "/".join(getattr(identifier, field) for field in ID_FIELDS)

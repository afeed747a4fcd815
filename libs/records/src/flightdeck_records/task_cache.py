"""The task cache (spec/executor.md §6, admin.md §10a), shared by the executor, which looks
entries up, reserves and populates them, and admin, whose EvictTaskExecutionCache deletes them.

Two collections, keyed alike by dataset and tag (datacatalog's artifact tag and reservation id):

- ``task_cache``: one entry per tag, the artifact it names: the outputs (a serialized
  ``core.LiteralMap``, at most the executor's output limit, so well inside a document), an
  ``artifact_id`` naming this version of the entry, and the task attempt that produced it.
- ``task_cache_reservations``: who runs a serialized task for that key, until when. A holder
  extends its own expiry; anyone may take an expired one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flyteidl.core import identifier_pb2, literals_pb2

ARTIFACTS = "task_cache"
RESERVATIONS = "task_cache_reservations"

DATASET = "dataset"
"""``{project, domain, name, version}`` as datacatalog's DatasetID."""
TAG = "tag"
ARTIFACT_ID = "artifact_id"
OUTPUTS = "outputs"
SOURCE = "source"
"""The producing attempt, as propeller's artifact metadata keeps it: ``exec-project``,
``exec-domain``, ``execution-name``, ``exec-node``, ``exec-attempt``, plus ``task-version``
(datacatalog keeps that one on the dataset)."""
CREATED_AT = "created_at"

OWNER = "owner"
EXPIRES_AT = "expires_at"


def entry_key(project: str, domain: str, name: str, version: str, tag: str) -> str:
    """The ``_id`` of an entry and of its reservation. Names and versions may hold ``/``, so
    each part is length-prefixed: two different keys can never join to the same string."""
    parts = (project, domain, name, version, tag)
    return "/".join(f"{len(part)}:{part}" for part in parts)


def key_of_dataset(dataset: identifier_pb2.Identifier, tag: str) -> str:
    """The key of what a node event's ``catalog_key`` names (dataset id as a core.Identifier)."""
    return entry_key(dataset.project, dataset.domain, dataset.name, dataset.version, tag)


@dataclass(frozen=True)
class CacheEntry:
    artifact_id: str
    outputs: literals_pb2.LiteralMap
    source: identifier_pb2.TaskExecutionIdentifier
    """Task project, domain and name are the dataset's; the version is the producer's."""


def entry_document(
    key: str,
    dataset: Mapping[str, str],
    tag: str,
    entry: CacheEntry,
    now: datetime,
) -> dict[str, Any]:
    source = entry.source
    execution = source.node_execution_id.execution_id
    return {
        "_id": key,
        DATASET: dict(dataset),
        TAG: tag,
        ARTIFACT_ID: entry.artifact_id,
        OUTPUTS: entry.outputs.SerializeToString(deterministic=True),
        SOURCE: {
            "exec-project": execution.project,
            "exec-domain": execution.domain,
            "execution-name": execution.name,
            "exec-node": source.node_execution_id.node_id,
            "exec-attempt": str(source.retry_attempt),
            "task-version": source.task_id.version,
        },
        CREATED_AT: now,
    }


def entry_of(document: Mapping[str, Any], task_id: identifier_pb2.Identifier) -> CacheEntry:
    """``task_id`` is the task looking the entry up: like propeller, the source's task is that
    task at the producer's version."""
    source = document.get(SOURCE) or {}
    return CacheEntry(
        artifact_id=document[ARTIFACT_ID],
        outputs=literals_pb2.LiteralMap.FromString(document[OUTPUTS]),
        source=identifier_pb2.TaskExecutionIdentifier(
            task_id=identifier_pb2.Identifier(
                resource_type=task_id.resource_type,
                project=task_id.project,
                domain=task_id.domain,
                name=task_id.name,
                version=source.get("task-version", "unknown"),
            ),
            node_execution_id=identifier_pb2.NodeExecutionIdentifier(
                node_id=source.get("exec-node", "unknown"),
                execution_id=identifier_pb2.WorkflowExecutionIdentifier(
                    project=source.get("exec-project", task_id.project),
                    domain=source.get("exec-domain", task_id.domain),
                    name=source.get("execution-name", "unknown"),
                ),
            ),
            retry_attempt=int(source.get("exec-attempt", "0")),
        ),
    )


def claimable(key: str, owner: str, now: datetime) -> dict[str, Any]:
    """The filter matching a reservation ``owner`` may take or extend: its own, or expired."""
    return {"_id": key, "$or": [{OWNER: owner}, {EXPIRES_AT: {"$lt": now}}]}


def reservation_document(owner: str, expires_at: datetime) -> dict[str, Any]:
    return {OWNER: owner, EXPIRES_AT: expires_at}

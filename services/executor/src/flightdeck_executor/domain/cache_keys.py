"""Cache keys as propeller's datacatalog client computes them (spec/executor.md §6; flyte v1.16.8
``catalog/datacatalog/transformer.go`` and ``pluginmachinery/catalog/hashing.go``): the dataset
names the task without its version, plus the cache version and the interface's signature; the
tag names the inputs. A real datacatalog sharing the cache would find the same entries."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from flyteidl.core import catalog_pb2, identifier_pb2, interface_pb2, literals_pb2, tasks_pb2

from flightdeck_executor.domain.objecthash import message_hash

DATASET_PREFIX = "flyte_task-"
TAG_PREFIX = "flyte_cached-"
SIGNATURE_HASH_LENGTH = 8


class NotCacheable(ValueError):
    """The task asks for caching but gives no usable cache version."""


@dataclass(frozen=True)
class DatasetId:
    project: str
    domain: str
    name: str
    version: str

    def as_identifier(self) -> identifier_pb2.Identifier:
        return identifier_pb2.Identifier(
            resource_type=identifier_pb2.DATASET,
            project=self.project,
            domain=self.domain,
            name=self.name,
            version=self.version,
        )


@dataclass(frozen=True)
class CacheKey:
    dataset: DatasetId
    tag: str


def _encoded(digest: bytes) -> str:
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signature_hash(interface: interface_pb2.TypedInterface) -> str:
    """``<inputs>-<outputs>``, each the first 8 characters of its VariableMap's hash (an absent
    map hashes like an empty one)."""
    inputs = _encoded(message_hash(interface.inputs))[:SIGNATURE_HASH_LENGTH]
    outputs = _encoded(message_hash(interface.outputs))[:SIGNATURE_HASH_LENGTH]
    return f"{inputs}-{outputs}"


def dataset_id(task_id: identifier_pb2.Identifier, template: tasks_pb2.TaskTemplate) -> DatasetId:
    cache_version = template.metadata.discovery_version.strip(" ")
    if not cache_version:
        raise NotCacheable(f"task {task_id.name} cannot have an empty discovery version")
    return DatasetId(
        project=task_id.project,
        domain=task_id.domain,
        name=DATASET_PREFIX + task_id.name,
        version=f"{cache_version}-{signature_hash(template.interface)}",
    )


def hashified(literal: literals_pb2.Literal) -> literals_pb2.Literal:
    """A literal that carries a ``hash`` stands for that hash alone (offloaded data, datasets
    whose content the user hashed); collections and maps are walked for such members."""
    if literal.hash:
        return literals_pb2.Literal(hash=literal.hash)
    kind = literal.WhichOneof("value")
    if kind == "collection":
        items = [hashified(item) for item in literal.collection.literals]
        return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))
    if kind == "map":
        members = {name: hashified(item) for name, item in literal.map.literals.items()}
        return literals_pb2.Literal(map=literals_pb2.LiteralMap(literals=members))
    return literal


def inputs_hash(inputs: literals_pb2.LiteralMap, ignored: Iterable[str] = ()) -> str:
    skipped = set(ignored)
    kept = {
        name: hashified(literal) for name, literal in inputs.literals.items() if name not in skipped
    }
    return _encoded(message_hash(literals_pb2.LiteralMap(literals=kept)))


def artifact_tag(inputs: literals_pb2.LiteralMap, ignored: Iterable[str] = ()) -> str:
    return TAG_PREFIX + inputs_hash(inputs, ignored)


def cache_key(
    task_id: identifier_pb2.Identifier,
    template: tasks_pb2.TaskTemplate,
    inputs: literals_pb2.LiteralMap,
) -> CacheKey:
    return CacheKey(
        dataset_id(task_id, template),
        artifact_tag(inputs, template.metadata.cache_ignore_input_vars),
    )


def is_cacheable(template: tasks_pb2.TaskTemplate) -> bool:
    return template.metadata.discoverable


def is_serialized(template: tasks_pb2.TaskTemplate) -> bool:
    return template.metadata.discoverable and template.metadata.cache_serializable


def catalog_metadata(
    key: CacheKey,
    artifact_id: str,
    source: identifier_pb2.TaskExecutionIdentifier | None = None,
) -> catalog_pb2.CatalogMetadata:
    """What the node event's ``task_node_metadata.catalog_key`` says; a hit names its source."""
    metadata = catalog_pb2.CatalogMetadata(
        dataset_id=key.dataset.as_identifier(),
        artifact_tag=catalog_pb2.CatalogArtifactTag(artifact_id=artifact_id, name=key.tag),
    )
    if source is not None:
        metadata.source_task_execution.CopyFrom(source)
    return metadata

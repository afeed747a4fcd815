"""Cache keys against the values flyte v1.16.8's own tests pin (``catalog/hashing_test.go``,
``catalog/datacatalog/transformer_test.go``): a datacatalog shared with propeller finds the same
datasets and tags."""

from __future__ import annotations

import pytest
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2, types_pb2

from flightdeck_executor.domain import cache_keys
from flightdeck_executor.domain.objecthash import object_hash

EMPTY_HASH = "GKw-c0PwFokMUQ6T-TUmEWnZ4_VlQ2Qpgw-vCTT0-OQ"
ONE_TWO_HASH = "GQid5LjHbakcW68DS3P2jp80QLbiF0olFHF2hTh5bg8"
TASK = identifier_pb2.Identifier(
    resource_type=identifier_pb2.TASK, project="project", domain="domain", name="name",
    version="1.0.0",
)  # fmt: skip


def integers(**values: int) -> literals_pb2.LiteralMap:
    literals = literals_pb2.LiteralMap()
    for name, value in values.items():
        literals.literals[name].scalar.primitive.integer = value
    return literals


def template(version: str = "1.0.0", *inputs: str) -> tasks_pb2.TaskTemplate:
    task = tasks_pb2.TaskTemplate(id=TASK)
    task.metadata.discoverable = True
    task.metadata.discovery_version = version
    for name in inputs:
        task.interface.inputs.variables[name].type.simple = types_pb2.INTEGER
    return task


def test_empty_inputs_hash_as_go_hashes_an_empty_literal_map() -> None:
    assert cache_keys.inputs_hash(literals_pb2.LiteralMap()) == EMPTY_HASH


def test_integer_inputs_hash_to_the_reference_tag_in_any_order() -> None:
    assert cache_keys.artifact_tag(integers(**{"1": 1, "2": 2})) == f"flyte_cached-{ONE_TWO_HASH}"
    assert cache_keys.inputs_hash(integers(**{"2": 2, "1": 1})) == ONE_TWO_HASH


def test_ignored_input_vars_leave_the_tag_unchanged() -> None:
    inputs = integers(**{"1": 1, "2": 2, "3": 3})
    assert cache_keys.artifact_tag(inputs, ["3"]) == f"flyte_cached-{ONE_TWO_HASH}"
    assert cache_keys.artifact_tag(inputs) != f"flyte_cached-{ONE_TWO_HASH}"


def test_dataset_of_a_task_without_interface() -> None:
    dataset = cache_keys.dataset_id(TASK, template())
    assert dataset == cache_keys.DatasetId(
        "project", "domain", "flyte_task-name", "1.0.0-GKw-c0Pw-GKw-c0Pw"
    )


def test_dataset_version_carries_the_interface_signature() -> None:
    assert cache_keys.dataset_id(TASK, template("1.0.0", "1", "2")).version == (
        "1.0.0-UxVtPm0k-GKw-c0Pw"
    )
    assert cache_keys.dataset_id(TASK, template(" 1.0.0 ", "2", "1")).version == (
        "1.0.0-UxVtPm0k-GKw-c0Pw"
    )


def test_the_task_version_is_not_part_of_the_key() -> None:
    other = identifier_pb2.Identifier()
    other.CopyFrom(TASK)
    other.version = "2.0.0"
    assert cache_keys.dataset_id(other, template()) == cache_keys.dataset_id(TASK, template())


def test_a_blank_cache_version_is_refused() -> None:
    with pytest.raises(cache_keys.NotCacheable, match="empty discovery version"):
        cache_keys.dataset_id(TASK, template("  "))


def test_a_literal_with_a_hash_stands_for_its_hash_alone() -> None:
    dataset = literals_pb2.Literal(hash="abcde")
    dataset.scalar.structured_dataset.uri = "s3://bucket/somewhere"
    assert cache_keys.hashified(dataset) == literals_pb2.Literal(hash="abcde")
    elsewhere = literals_pb2.Literal(hash="abcde")
    elsewhere.scalar.structured_dataset.uri = "s3://bucket/elsewhere"
    assert cache_keys.inputs_hash(
        literals_pb2.LiteralMap(literals={"d": dataset})
    ) == cache_keys.inputs_hash(literals_pb2.LiteralMap(literals={"d": elsewhere}))


def test_hashes_are_found_inside_collections_and_maps() -> None:
    member = literals_pb2.Literal(hash="h1")
    member.scalar.primitive.string_value = "large"
    plain = literals_pb2.Literal()
    plain.scalar.primitive.integer = 3
    nested = literals_pb2.Literal(
        collection=literals_pb2.LiteralCollection(
            literals=[
                member,
                literals_pb2.Literal(
                    map=literals_pb2.LiteralMap(literals={"k": member, "p": plain})
                ),
            ]
        )
    )
    expected = literals_pb2.Literal(
        collection=literals_pb2.LiteralCollection(
            literals=[
                literals_pb2.Literal(hash="h1"),
                literals_pb2.Literal(
                    map=literals_pb2.LiteralMap(
                        literals={"k": literals_pb2.Literal(hash="h1"), "p": plain}
                    )
                ),
            ]
        )
    )
    assert cache_keys.hashified(nested) == expected


def test_catalog_metadata_names_the_dataset_tag_and_source() -> None:
    key = cache_keys.cache_key(TASK, template(), literals_pb2.LiteralMap())
    source = identifier_pb2.TaskExecutionIdentifier(task_id=TASK, retry_attempt=1)
    metadata = cache_keys.catalog_metadata(key, "artifact-1", source)
    assert metadata.dataset_id.resource_type == identifier_pb2.DATASET
    assert metadata.dataset_id.name == "flyte_task-name"
    assert metadata.artifact_tag.name == f"flyte_cached-{EMPTY_HASH}"
    assert metadata.artifact_tag.artifact_id == "artifact-1"
    assert metadata.source_task_execution == source


@pytest.mark.parametrize(
    ("value", "digest"),
    [
        ([], "acac86c0e609ca906f632b0e2dacccb2b77d22b0621f20ebece1a4835b93f6f0"),
        (["foo"], "268bc27d4974d9d576222e4cdbb8f7c6bd6791894098645a19eeca9c102d0964"),
        ({"foo": "bar"}, "7ef5237c3027d6c58100afadf37796b3d351025cf28038280147d42fdc53b960"),
        ([123], "2e72db006266ed9cdaa353aa22b9213e8a3c69c838349437c06896b1b34cee36"),
        ([1, 2, 3], "925d474ac71f6e8cb35dd951d123944f7cabc5cda9a043cf38cd638cc0158db0"),
    ],
)
def test_objecthash_matches_the_common_json_vectors(value: object, digest: str) -> None:
    """objecthash's own README vectors (JSON numbers are floats, as Go reads them)."""
    assert object_hash(value).hex() == digest


def test_serialized_only_when_discoverable() -> None:
    task = template()
    task.metadata.cache_serializable = True
    assert cache_keys.is_serialized(task)
    task.metadata.discoverable = False
    assert not cache_keys.is_serialized(task)
    assert not cache_keys.is_cacheable(task)

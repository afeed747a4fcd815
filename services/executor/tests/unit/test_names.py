"""Names derived from ids: Go's test vectors and the spec's examples (spec §2.2, §3.4, §5.1)."""

from __future__ import annotations

import pytest

from flightdeck_executor.domain.names import (
    child_execution_name,
    fixed_length_unique_id,
    fnv1a,
    generated_name,
    per_retry_unique_key,
    raw_output_shard,
    unique_node_id,
)

LONG_PARTS = ["x", "y", "z", "m", "n", "y", "z", "m", "n", "y", "z", "m", "n"]


@pytest.mark.parametrize(
    ("parts", "max_length", "bits", "expected"),
    [
        (["x", "y", "z"], 10, 32, "x-y-z"),
        (["x"], 2, 32, "x"),
        (LONG_PARTS, 15, 32, "fe63sz6y"),
        (LONG_PARTS, 15, 64, "fwp4bky2kucex5"),
        (["x" * 24], 20, 32, "fuaa3aji"),
        (["xxxxx"], 10, 32, "xxxxx"),
    ],
)
def test_fixed_length_unique_id_matches_go_vectors(
    parts: list[str], max_length: int, bits: int, expected: str
) -> None:
    assert fixed_length_unique_id(max_length, parts, bits) == expected  # type: ignore[arg-type]


def test_hashed_id_is_returned_even_when_longer_than_the_limit() -> None:
    # Go returns the hash together with an error; callers only ever see the hash.
    assert fixed_length_unique_id(1, ["x", "y"]) == "fz2jizji"
    assert fixed_length_unique_id(4, ["x", "y", "z"]) == "fxzsoqrq"


def test_leading_empty_parts_vanish_but_later_ones_keep_their_separator() -> None:
    assert fixed_length_unique_id(50, ["", "", "a", "", "b"]) == "a--b"


def test_fnv1a_known_values() -> None:
    assert fnv1a(b"", 32) == 0x811C9DC5
    assert fnv1a(b"a", 32) == 0xE40C292C
    assert fnv1a(b"a", 64) == 0xAF63DC4C8601EC8C


def test_top_level_unique_node_id_is_the_spec_id() -> None:
    assert unique_node_id("n0") == "n0"


@pytest.mark.parametrize(
    ("parent", "attempt", "node", "expected"),
    [
        ("n0", 0, "n3", "n0-0-n3"),
        ("n0", 0, "start-node", "n0-0-start-node"),
        ("n1", 0, "n1-n0", "n1-0-n1-n0"),
        ("n0", 0, "dn0", "n0-0-dn0"),
        ("n0", 2, "n3", "n0-2-n3"),
    ],
)
def test_child_unique_node_ids(parent: str, attempt: int, node: str, expected: str) -> None:
    assert unique_node_id(node, parent, attempt) == expected


def test_long_child_unique_node_id_is_hashed_to_eight_characters() -> None:
    uid = unique_node_id("a-rather-long-node-id", "n0-0-n1", 0)
    assert uid.startswith("f")
    assert len(uid) == 8


def test_generated_name_and_shard_of_the_spec_example() -> None:
    name = generated_name("a6mbt5mkzcl2j2wtqqbx", "n0", 0)
    assert name == "a6mbt5mkzcl2j2wtqqbx-n0-0"
    assert raw_output_shard(name) == "r2"


def test_generated_name_is_hashed_beyond_fifty_characters() -> None:
    name = generated_name("e" * 40, "n0-0-some-node", 3)
    assert name.startswith("f")
    assert len(name) == 8


def test_shards_use_letters_then_digits() -> None:
    shards = {raw_output_shard(f"name-{i}") for i in range(2000)}
    assert all(len(shard) == 2 for shard in shards)
    assert all(c.isdigit() or c.islower() for shard in shards for c in shard)
    assert any(shard[0].isdigit() for shard in shards)


def test_child_execution_name_uses_the_64_bit_hash() -> None:
    assert child_execution_name("a6mbt5mkzcl2j2wtqqbx", "n0", 0) == "fwnpr1ugptqp4a"


def test_short_child_execution_name_is_kept() -> None:
    assert child_execution_name("abc", "n0", 1) == "abc-n0-1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a6mbt5mkzcl2j2wtqqbx-n0-0", "a6mbt5mkzcl2j2wtqqbx_n0_0"),
        ("0abc-n0-0", "aabc_n0_0"),
        ("--9x..y", "ax_y"),
        ("_ok", "_ok"),
    ],
)
def test_per_retry_unique_key(name: str, expected: str) -> None:
    assert per_retry_unique_key(name) == expected

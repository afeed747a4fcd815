"""Keys never leave the store, whatever their spelling."""

from __future__ import annotations

import pytest

from flightdeck_storage import InvalidDigest, InvalidKey, join_key, validate_key
from flightdeck_storage.digests import md5_from_header, md5_to_header


@pytest.mark.parametrize(
    "key",
    [
        "",
        "/abs/path",
        "a//b",
        "a/",
        "..",
        "../x",
        "a/../b",
        "a/./b",
        "a\\..\\b",
        "a/\x00b",
        "a/b\nc",
        ".flightdeck/tmp/x",
        "x" * 1025,
    ],
)
def test_unsafe_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "a",
        "a/b/c.tar.gz",
        "p/d/ABC====/fast.tar.gz",
        "a/.hidden",
        "a/..b/c",
        "é/ü",
        "x/.flightdeck",
    ],
)
def test_ordinary_keys_pass_unchanged(key: str) -> None:
    assert validate_key(key) == key


def test_join_drops_empty_parts_and_stray_slashes() -> None:
    assert join_key("", "metadata/", "/p", "", "d") == "metadata/p/d"
    with pytest.raises(InvalidKey):
        join_key("a", "..", "b")


def test_content_md5_header_round_trip_and_refusals() -> None:
    md5 = bytes(range(16))
    assert md5_from_header(md5_to_header(md5)) == md5
    for bad in ("not base64!", "AAAA", ""):
        with pytest.raises(InvalidDigest):
            md5_from_header(bad)

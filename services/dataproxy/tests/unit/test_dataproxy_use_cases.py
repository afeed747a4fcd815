"""The use cases over a real local store and the in-memory executions fake."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from flyteidl.core import literals_pb2

from flightdeck_dataproxy.domain.errors import (
    AttemptNotFound,
    DeckNotFound,
    ExecutionNotFound,
    InvalidField,
    InvalidFlyteUrl,
    NodeLookupFailed,
    UnknownLiteral,
    UploadConflict,
)
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.domain.uploads import UploadRequest
from flightdeck_dataproxy.service.data import DataReader
from flightdeck_dataproxy.service.downloads import Downloads
from flightdeck_dataproxy.service.ports import IoData
from flightdeck_dataproxy.service.uploads import UploadPolicy, Uploads
from flightdeck_storage import (
    ForeignLocation,
    InvalidKey,
    LocalObjectStore,
    ObjectNotFound,
    SignedUrl,
)


def literal_map(**values: int) -> literals_pb2.LiteralMap:
    found = literals_pb2.LiteralMap()
    for name, value in values.items():
        found.literals[name].scalar.primitive.integer = value
    return found


HOUR = timedelta(hours=1)
NODE = NodeRef("p", "d", "e", "n0")


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def uploads(store: LocalObjectStore, prefix: str = "") -> Uploads:
    return Uploads(store, UploadPolicy(HOUR, prefix, 20), new_name=lambda n: "r" * n)


async def test_upload_location_by_md5(store: LocalObjectStore) -> None:
    found = await uploads(store).create_location(
        UploadRequest("p", "development", md5(b"x"), filename="fast.tar.gz")
    )
    key = "p/development/TXKOIYJGRSADJ5OIKZHBKXDHUY======/fast.tar.gz"
    assert found.native_url == f"file://{store.root}/{key}"
    assert found.signed_url.startswith(f"http://edge.test/flightdeck/storage/{key}?")
    assert found.headers == {"Content-MD5": "ndTkYSaMgDT1yFZOFVxnpg=="}


async def test_upload_location_with_root_prefix_org_and_generated_name(
    store: LocalObjectStore,
) -> None:
    found = await uploads(store, "uploads").create_location(
        UploadRequest("p", "d", md5(b"x"), filename_root="grp", org="acme")
    )
    assert found.native_url.endswith("/uploads/acme/p/d/grp/" + "r" * 20)


async def test_upload_expiry_is_checked(store: LocalObjectStore) -> None:
    request = UploadRequest("p", "d", md5(b"x"), expires_in=timedelta(hours=2))
    with pytest.raises(InvalidField, match="expires_in"):
        await uploads(store).create_location(request)


async def test_a_deterministic_path_holding_other_content_already_exists(
    store: LocalObjectStore,
) -> None:
    await store.write("p/d/grp/f.txt", b"original")
    same = UploadRequest("p", "d", md5(b"original"), filename="f.txt", filename_root="grp")
    other = UploadRequest("p", "d", md5(b"changed"), filename="f.txt", filename_root="grp")
    assert (await uploads(store).create_location(same)).native_url.endswith("/p/d/grp/f.txt")
    with pytest.raises(UploadConflict, match="different content"):
        await uploads(store).create_location(other)


async def test_upload_names_cannot_escape_the_store(store: LocalObjectStore) -> None:
    for request in (
        UploadRequest("p", "d", md5(b"x"), filename="../../../etc/passwd"),
        UploadRequest("p", "d", md5(b"x"), filename="f", filename_root=".."),
        UploadRequest("..", "..", md5(b"x"), filename="f", filename_root=".."),
    ):
        with pytest.raises(InvalidKey):
            await uploads(store).create_location(request)


def downloads(store: LocalObjectStore, executions: Any) -> Downloads:
    return Downloads(store, executions, HOUR)


async def test_download_location_signs_any_key_of_the_store(
    store: LocalObjectStore, executions: Any
) -> None:
    signed = await downloads(store, executions).location(store.native_url("a/b"), None)
    assert signed.url.startswith("http://edge.test/flightdeck/storage/a/b?")
    with pytest.raises(ForeignLocation):
        await downloads(store, executions).location("s3://other/a/b", None)
    with pytest.raises(InvalidField):
        await downloads(store, executions).location(store.native_url("a"), -HOUR)


async def test_deck_links(store: LocalObjectStore, executions: Any) -> None:
    deck = store.native_url("p/d/e/n0/deck.html")
    executions.record(NODE, IoData(literal_map(), literal_map()), deck_uri=deck)
    executions.record(NodeRef("p", "d", "e", "bare"), IoData(literal_map(), literal_map()))
    proxy = downloads(store, executions)
    with pytest.raises(ObjectNotFound):
        await proxy.deck_link(NODE, None)
    await store.write("p/d/e/n0/deck.html", b"<html/>")
    link = await proxy.deck_link(NODE, timedelta(minutes=1))
    assert "/flightdeck/storage/p/d/e/n0/deck.html?" in link.url
    with pytest.raises(DeckNotFound, match="no deckUrl"):
        await proxy.deck_link(NodeRef("p", "d", "e", "bare"), None)
    with pytest.raises(NodeLookupFailed):
        await proxy.deck_link(NodeRef("p", "d", "e", "unknown"), None)


@pytest.fixture
def reader(store: LocalObjectStore, executions: Any) -> DataReader:
    executions.record(
        NODE,
        IoData(literal_map(x=1), literal_map(o0=2)),
        attempts={0: IoData(literal_map(x=10), literal_map(o0=20))},
        deck_uri=store.native_url("p/d/e/n0/deck.html"),
    )
    return DataReader(executions, downloads(store, executions))


def integer(answer: object) -> int:
    assert isinstance(answer, literals_pb2.Literal)
    return int(answer.scalar.primitive.integer)


async def test_get_data_for_every_url_form(reader: DataReader, store: LocalObjectStore) -> None:
    await store.write("p/d/e/n0/deck.html", b"<html/>")
    assert await reader.get("flyte://v1/p/d/e/n0/i") == literal_map(x=1)
    assert await reader.get("flyte://v1/p/d/e/n0/o") == literal_map(o0=2)
    assert integer(await reader.get("flyte://v1/p/d/e/n0/i/x")) == 1
    assert integer(await reader.get("flyte://v1/p/d/e/n0/o/o0")) == 2
    assert await reader.get("flyte://v1/p/d/e/n0/0/i") == literal_map(x=10)
    assert await reader.get("flyte://v1/p/d/e/n0/0/o") == literal_map(o0=20)
    assert integer(await reader.get("flyte://v1/p/d/e/n0/0/o/o0")) == 20
    deck = await reader.get("flyte://v1/p/d/e/n0/d")
    assert isinstance(deck, SignedUrl)
    assert "/p/d/e/n0/deck.html?" in deck.url


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://p/d/e/n0/i", InvalidFlyteUrl),
        ("flyte://v1/p/d/e/n0/z", InvalidFlyteUrl),
        ("flyte://v1/p/d/e/n0/0/d", InvalidFlyteUrl),
        ("flyte://v1/p/d/e/n0/i/missing", UnknownLiteral),
        ("flyte://v1/p/d/e/n0/0/o/missing", UnknownLiteral),
        ("flyte://v1/p/d/e/n0/7/i", AttemptNotFound),
        ("flyte://v1/p/d/e/other/i", ExecutionNotFound),
        ("flyte://v1/p/d/e/other/0/o", ExecutionNotFound),
        ("flyte://v1/p/d/e/other/d", NodeLookupFailed),
        ("flyte://v1/p/d/e/n0/d", ObjectNotFound),
    ],
)
async def test_get_data_errors(reader: DataReader, url: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        await reader.get(url)

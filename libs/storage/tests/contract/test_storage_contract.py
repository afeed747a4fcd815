"""What every ObjectStore backend promises, run against the local directory and real S3
(SeaweedFS). Signed URLs are exercised over real HTTP: the local endpoint or the S3 server."""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from flyteidl.core import literals_pb2

from flightdeck_storage import (
    ChecksumMismatch,
    ForeignLocation,
    InvalidKey,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
)
from flightdeck_storage.literals import INPUTS, read_literal_map, write_literal_map

HOUR = timedelta(hours=1)


def md5(data: bytes) -> bytes:
    return hashlib.md5(data).digest()


def b64md5(data: bytes) -> str:
    return base64.b64encode(md5(data)).decode()


async def chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_write_then_read_head_exists(store: ObjectStore) -> None:
    info = await store.write("p/d/obj.bin", b"payload")
    assert (info.key, info.size) == ("p/d/obj.bin", 7)
    assert await store.read("p/d/obj.bin") == b"payload"
    assert (await store.head("p/d/obj.bin")).size == 7
    assert await store.exists("p/d/obj.bin")
    assert await store.content_md5("p/d/obj.bin") == md5(b"payload")


async def test_missing_objects(store: ObjectStore) -> None:
    assert not await store.exists("no/such")
    with pytest.raises(ObjectNotFound):
        await store.read("no/such")
    with pytest.raises(ObjectNotFound):
        await store.head("no/such")
    with pytest.raises(ObjectNotFound):
        await store.content_md5("no/such")
    with pytest.raises(ObjectNotFound):
        async for _ in store.read_chunks("no/such"):
            pass


async def test_write_replaces(store: ObjectStore) -> None:
    await store.write("k", b"first")
    await store.write("k", b"second, longer")
    assert await store.read("k") == b"second, longer"


async def test_a_wrong_md5_stores_nothing_and_keeps_the_old_object(store: ObjectStore) -> None:
    await store.write("k", b"old", content_md5=md5(b"old"))
    with pytest.raises(ChecksumMismatch):
        await store.write("k", b"new", content_md5=md5(b"other"))
    with pytest.raises(ChecksumMismatch):
        await store.write("fresh", chunks(b"new" * 1000, 7), content_md5=md5(b"other"))
    assert await store.read("k") == b"old"
    assert not await store.exists("fresh")
    assert [i.key async for i in store.list()] == ["k"]


async def test_streamed_write_and_read(store: ObjectStore) -> None:
    data = bytes(range(256)) * 20_000  # 5 MB in odd-sized chunks
    info = await store.write("big/blob", chunks(data, 100_003), content_md5=md5(data))
    assert info.size == len(data)
    assert b"".join([c async for c in store.read_chunks("big/blob", 1 << 18)]) == data
    assert await store.content_md5("big/blob") == md5(data)


async def test_oversize_content_stores_nothing(store: ObjectStore) -> None:
    with pytest.raises(ObjectTooLarge):
        await store.write("big", chunks(b"x" * 5000, 1000), max_bytes=4096)
    with pytest.raises(ObjectTooLarge):
        await store.write("big", b"x" * 4097, max_bytes=4096)
    await store.write("fits", b"x" * 4096, max_bytes=4096)
    assert [i.key async for i in store.list()] == ["fits"]


async def test_delete(store: ObjectStore) -> None:
    await store.write("a/b/c", b"1")
    await store.delete("a/b/c")
    await store.delete("a/b/c")
    assert not await store.exists("a/b/c")
    await store.write("a/b/c", b"2")
    assert await store.read("a/b/c") == b"2"


async def test_list_is_a_string_prefix_in_key_order(store: ObjectStore) -> None:
    for key in ("a/c", "a/b/y", "a/bc", "a/b/x", "a-b", "b"):
        await store.write(key, key.encode())
    assert [i.key async for i in store.list("a/b")] == ["a/b/x", "a/b/y", "a/bc"]
    assert [i.key async for i in store.list("a/b/")] == ["a/b/x", "a/b/y"]
    assert [i.key async for i in store.list()] == ["a-b", "a/b/x", "a/b/y", "a/bc", "a/c", "b"]
    assert [i.size async for i in store.list("b")] == [1]
    assert [i async for i in store.list("nothing/")] == []


@pytest.mark.parametrize("key", ["../escape", "a/../../escape", "/abs", "a//b", ".flightdeck/x"])
async def test_unsafe_keys_are_refused_everywhere(store: ObjectStore, key: str) -> None:
    with pytest.raises(InvalidKey):
        await store.write(key, b"x")
    with pytest.raises(InvalidKey):
        await store.read(key)
    with pytest.raises(InvalidKey):
        await store.sign_upload(key, md5(b"x"), HOUR)
    assert [i async for i in store.list()] == []


async def test_native_urls_round_trip(store: ObjectStore) -> None:
    url = store.native_url("p/d/x.tar.gz")
    assert url.startswith(f"{store.scheme}://")
    assert store.key_of(url) == "p/d/x.tar.gz"
    with pytest.raises(ForeignLocation):
        store.key_of("gs://elsewhere/p/d/x.tar.gz")
    with pytest.raises(InvalidKey):
        store.key_of(store.native_url("p") + "/../../etc/passwd")


async def test_literal_maps_are_stored_serialized(store: ObjectStore) -> None:
    literals = literals_pb2.LiteralMap()
    literals.literals["x"].scalar.primitive.integer = 42
    await write_literal_map(store, f"p/d/e/n0/{INPUTS}", literals)
    assert await store.read(f"p/d/e/n0/{INPUTS}") == literals.SerializeToString()
    assert await read_literal_map(store, f"p/d/e/n0/{INPUTS}") == literals


async def test_signed_upload_then_download(store: ObjectStore) -> None:
    data = b"fast-registration archive" * 1000
    upload = await store.sign_upload("p/d/fast.tar.gz", md5(data), HOUR, md5_metadata=True)
    assert upload.headers["Content-MD5"] == b64md5(data)
    async with httpx.AsyncClient() as http:
        put = await http.put(upload.url, content=data, headers=dict(upload.headers))
        assert put.status_code in (200, 201), put.text
        download = await store.sign_download("p/d/fast.tar.gz", HOUR)
        got = await http.get(download.url)
    assert got.status_code == 200
    assert got.content == data
    assert await store.content_md5("p/d/fast.tar.gz") == md5(data)


async def test_signed_upload_refuses_a_body_with_another_md5(store: ObjectStore) -> None:
    upload = await store.sign_upload("p/d/f", md5(b"expected"), HOUR, md5_metadata=True)
    async with httpx.AsyncClient() as http:
        put = await http.put(upload.url, content=b"tampered", headers=dict(upload.headers))
        bare = await http.put(upload.url, content=b"expected")
        other = await http.put(
            upload.url, content=b"tampered", headers={"Content-MD5": b64md5(b"tampered")}
        )
    assert 400 <= put.status_code < 500
    assert 400 <= bare.status_code < 500
    assert 400 <= other.status_code < 500
    assert not await store.exists("p/d/f")


async def test_signed_urls_are_bound_to_their_path_and_method(store: ObjectStore) -> None:
    await store.write("p/d/secret", b"s")
    upload = await store.sign_upload("p/d/f", md5(b"x"), HOUR)
    download = await store.sign_download("p/d/f", HOUR)
    async with httpx.AsyncClient() as http:
        moved = await http.put(
            upload.url.replace("/p/d/f?", "/p/d/g?"), content=b"x", headers=dict(upload.headers)
        )
        peeked = await http.get(download.url.replace("/p/d/f?", "/p/d/secret?"))
        as_get = await http.get(upload.url)
    assert 400 <= moved.status_code < 500
    assert 400 <= peeked.status_code < 500
    assert 400 <= as_get.status_code < 500
    assert not await store.exists("p/d/g")


async def test_signed_urls_expire(store: ObjectStore) -> None:
    await store.write("p/d/f", b"x")
    download = await store.sign_download("p/d/f", timedelta(seconds=1))
    upload = await store.sign_upload("p/d/g", md5(b"x"), timedelta(seconds=1))
    await asyncio.sleep(2.5)
    async with httpx.AsyncClient() as http:
        got = await http.get(download.url)
        put = await http.put(upload.url, content=b"x", headers=dict(upload.headers))
    assert got.status_code == 403
    assert put.status_code == 403
    assert not await store.exists("p/d/g")


async def test_concurrent_writes_of_one_key_leave_one_whole_object(store: ObjectStore) -> None:
    versions = [bytes([n]) * (300_000 + n) for n in range(8)]
    await asyncio.gather(*(store.write("same", chunks(v, 65_536)) for v in versions))
    assert await store.read("same") in versions

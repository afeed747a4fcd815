"""What only the local backend has to prove: uploads reach the disk while they stream, failed
writes leave no temporary file, and symbolic links cannot lead out of the root."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from flightdeck_storage import ChecksumMismatch, InvalidKey, LocalObjectStore, ObjectTooLarge

MIB = 1 << 20


def temporary_bytes(store: LocalObjectStore) -> int:
    return sum(p.stat().st_size for p in (store.root / ".flightdeck" / "tmp").iterdir())


async def test_a_streamed_write_is_on_disk_before_it_ends(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    seen_on_disk: list[int] = []

    async def body() -> AsyncIterator[bytes]:
        for _ in range(8):
            yield b"x" * (MIB // 2)
            seen_on_disk.append(temporary_bytes(store))

    await store.write("big", body())
    assert seen_on_disk[-1] >= 3 * MIB
    assert (await store.head("big")).size == 4 * MIB
    assert temporary_bytes(store) == 0


@pytest.mark.parametrize(
    ("max_bytes", "md5", "error"),
    [(MIB, None, ObjectTooLarge), (None, b"\0" * 16, ChecksumMismatch)],
)
async def test_failed_writes_leave_no_temporary_file(
    tmp_path: Path, max_bytes: int | None, md5: bytes | None, error: type[Exception]
) -> None:
    store = LocalObjectStore(tmp_path)

    async def body() -> AsyncIterator[bytes]:
        for _ in range(4):
            yield b"y" * MIB

    with pytest.raises(error):
        await store.write("k", body(), content_md5=md5, max_bytes=max_bytes)
    assert temporary_bytes(store) == 0
    assert not await store.exists("k")


async def test_symbolic_links_do_not_lead_out(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    store = LocalObjectStore(tmp_path / "root")
    (store.root / "link").symlink_to(outside)
    with pytest.raises(InvalidKey):
        await store.write("link/planted", b"x")
    with pytest.raises(InvalidKey):
        store.key_of(f"file://{store.root}/link/planted")
    assert list(outside.iterdir()) == []

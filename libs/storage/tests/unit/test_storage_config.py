"""Settings become a store and a signer: a generated secret is made once and kept; configured
secrets, current and previous, sign and verify."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from flightdeck_storage import (
    LocalObjectStore,
    SignatureMismatch,
    SigningConfig,
    StorageConfig,
    open_store,
    url_signer,
)


def test_a_generated_secret_is_created_once_and_private(tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "signing.key"
    first = url_signer(SigningConfig(key_file=key_file))
    second = url_signer(SigningConfig(key_file=key_file))
    query = first.sign("GET", "k", 2**40)
    second.verify("GET", "k", query)
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert [p.name for p in key_file.parent.iterdir()] == ["signing.key"]


def test_configured_secrets_rotate(tmp_path: Path) -> None:
    old = url_signer(SigningConfig(secret=SecretStr("o" * 32), key_file=tmp_path / "unused"))
    rotating = url_signer(
        SigningConfig(
            secret=SecretStr("n" * 32),
            previous_secrets=[SecretStr("o" * 32)],
            key_file=tmp_path / "unused",
        )
    )
    rotated = url_signer(SigningConfig(secret=SecretStr("n" * 32), key_file=tmp_path / "unused"))
    issued = old.sign("GET", "k", 2**40)
    rotating.verify("GET", "k", issued)
    rotated.verify("GET", "k", rotating.sign("GET", "k", 2**40))
    with pytest.raises(SignatureMismatch):
        rotated.verify("GET", "k", issued)
    assert not (tmp_path / "unused").exists()


async def test_the_local_backend_from_settings(tmp_path: Path) -> None:
    config = StorageConfig(
        local_root=tmp_path / "store",
        public_url="http://edge:8088/",
        signing=SigningConfig(secret=SecretStr("s" * 32)),
    )
    store = await open_store(config)
    assert isinstance(store, LocalObjectStore)
    assert store.root == (tmp_path / "store").resolve()
    await store.ping()
    signed = await store.sign_download("a/b", timedelta(minutes=1))
    assert signed.url.startswith("http://edge:8088/flightdeck/storage/a/b?fd-expires=")
    await store.close()

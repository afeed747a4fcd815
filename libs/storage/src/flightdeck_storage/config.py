"""Settings of the object store, shared by every service that touches blobs, and the one
function that turns them into a store."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, SecretStr

from flightdeck_storage.local import LocalObjectStore
from flightdeck_storage.objects import ObjectStore
from flightdeck_storage.s3 import S3ObjectStore
from flightdeck_storage.signing import SigningKey, UrlSigner


class SigningConfig(BaseModel):
    secret: SecretStr | None = Field(
        None, description="Secret that signs local URLs; unset = read or create key_file."
    )
    previous_secrets: list[SecretStr] = Field(
        default_factory=list,
        description="Secrets still accepted when verifying, while a rotation is under way.",
    )
    key_file: Path = Field(
        Path("var/dataproxy/signing.key"),
        description="Where the generated secret lives when none is configured.",
    )


class S3Config(BaseModel):
    bucket: str = Field("flightdeck", description="Bucket holding every object.")
    endpoint_url: str | None = Field(None, description="Custom endpoint; unset = AWS.")
    region: str = Field("us-east-1", description="Region used in signatures.")
    access_key_id: str | None = Field(None, description="Unset = the default AWS chain.")
    secret_access_key: SecretStr | None = Field(None, description="Pairs with access_key_id.")
    addressing_style: Literal["path", "virtual", "auto"] = Field(
        "path", description="path (/bucket/key, most local servers) or virtual (bucket.host)."
    )
    create_bucket: bool = Field(False, description="Create the bucket at start-up if missing.")


class StorageConfig(BaseModel):
    backend: Literal["local", "s3"] = Field("local", description="Where objects live.")
    local_root: Path = Field(Path("var/storage"), description="Root of the local object store.")
    public_url: str = Field(
        "http://127.0.0.1:8088",
        description="Base URL clients reach the signed-URL endpoint at (the edge).",
    )
    signing: SigningConfig = SigningConfig()
    s3: S3Config = S3Config()


def _generated_secret(path: Path) -> bytes:
    """Reads the key file, creating it first if needed. Processes starting together agree:
    the first hard link wins and every loser reads the winner's secret."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        candidate = path.with_name(f".{path.name}.{os.getpid()}")
        candidate.write_text(secrets.token_hex(32))
        candidate.chmod(0o600)
        try:
            os.link(candidate, path)
        except FileExistsError:
            pass
        finally:
            candidate.unlink()
    return path.read_text().strip().encode()


def url_signer(config: SigningConfig) -> UrlSigner:
    current = (
        config.secret.get_secret_value().encode()
        if config.secret is not None
        else _generated_secret(config.key_file)
    )
    previous = [SigningKey(s.get_secret_value().encode()) for s in config.previous_secrets]
    return UrlSigner(SigningKey(current), previous)


async def open_store(config: StorageConfig, signer: UrlSigner | None = None) -> ObjectStore:
    """The configured backend, ready for use; ``close()`` it when done."""
    if config.backend == "local":
        root = config.local_root
        return LocalObjectStore(root, signer or url_signer(config.signing), config.public_url)
    s3 = config.s3
    store = await S3ObjectStore.connect(
        s3.bucket,
        endpoint_url=s3.endpoint_url,
        region=s3.region,
        access_key_id=s3.access_key_id,
        secret_access_key=s3.secret_access_key.get_secret_value() if s3.secret_access_key else None,
        addressing_style=s3.addressing_style,
    )
    if s3.create_bucket:
        await store.create_bucket()
    return store

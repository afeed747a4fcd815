"""flightdeck's object store: one port (``ObjectStore``), a local-directory and an S3 backend,
HMAC-signed URLs for the local one and the endpoint that honours them.

    store = await open_store(StorageConfig(...))
    await store.write("a/b/inputs.pb", data, content_md5=md5)
    url = await store.sign_upload("a/b/file.tar.gz", md5, timedelta(hours=1))
"""

from flightdeck_storage.config import S3Config, SigningConfig, StorageConfig, open_store, url_signer
from flightdeck_storage.errors import (
    ChecksumMismatch,
    ForeignLocation,
    InvalidDigest,
    InvalidKey,
    ObjectNotFound,
    ObjectTooLarge,
    SignatureMismatch,
    StoreUnavailable,
    UrlExpired,
    UrlRejected,
)
from flightdeck_storage.keys import join_key, validate_key
from flightdeck_storage.local import LocalObjectStore
from flightdeck_storage.objects import Content, ObjectInfo, ObjectStore, SignedUrl
from flightdeck_storage.s3 import S3ObjectStore
from flightdeck_storage.signing import SigningKey, UrlSigner

__all__ = [
    "ChecksumMismatch",
    "Content",
    "ForeignLocation",
    "InvalidDigest",
    "InvalidKey",
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectTooLarge",
    "S3Config",
    "S3ObjectStore",
    "SignatureMismatch",
    "SignedUrl",
    "SigningConfig",
    "SigningKey",
    "StorageConfig",
    "StoreUnavailable",
    "UrlExpired",
    "UrlRejected",
    "UrlSigner",
    "join_key",
    "open_store",
    "url_signer",
    "validate_key",
]

"""What can go wrong with an object store, each a kind from ``flightdeck_platform.faults`` so a
gRPC servicer maps it like any other failure. Backends translate their driver's errors into
these (``raise ... from e``); nothing above a backend sees botocore or OSError.

    faults.InvalidArgument
    ├── InvalidKey            a key that is empty, malformed or would leave the store
    ├── ForeignLocation       a URL that does not point into this store
    ├── InvalidDigest         a Content-MD5 that is not the base64 of 16 bytes
    └── ChecksumMismatch      the bytes received do not have the declared MD5
    faults.NotFound
    └── ObjectNotFound
    faults.ResourceExhausted
    └── ObjectTooLarge        more bytes than the configured maximum
    faults.PermissionDenied
    └── UrlRejected           a signed URL that must not be honoured
        ├── SignatureMismatch   tampered, signed for another method/path/MD5, or unknown key
        └── UrlExpired
    faults.Unavailable
    └── StoreUnavailable      the backend could not be reached or answered with an error
"""

from __future__ import annotations

from flightdeck_platform import faults


class InvalidKey(faults.InvalidArgument):
    pass


class ForeignLocation(faults.InvalidArgument):
    pass


class InvalidDigest(faults.InvalidArgument):
    pass


class ChecksumMismatch(faults.InvalidArgument):
    pass


class ObjectNotFound(faults.NotFound):
    def __init__(self, key: str) -> None:
        super().__init__(f"object not found: {key}")
        self.key = key


class ObjectTooLarge(faults.ResourceExhausted):
    def __init__(self, limit: int) -> None:
        super().__init__(f"object larger than the maximum of {limit} bytes")
        self.limit = limit


class UrlRejected(faults.PermissionDenied):
    pass


class SignatureMismatch(UrlRejected):
    pass


class UrlExpired(UrlRejected):
    pass


class StoreUnavailable(faults.Unavailable):
    pass

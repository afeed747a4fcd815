"""The HTTP endpoint that honours the local backend's signed URLs (``flightdeck_storage.signing``).

``PUT /flightdeck/storage/<key>`` streams the body to the store, refusing it unless the URL's
signature covers this method, key, expiry and the request's ``Content-MD5``, the body has that
MD5 and it fits the size limit; ``GET``/``HEAD`` serve an object under a GET signature. Every
refusal is a 4xx and leaves the store as it was. Errors are S3-like: a JSON body
``{"code": "SignatureDoesNotMatch", "message": "..."}``, the codes an S3 client would see.
"""

from __future__ import annotations

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from flightdeck_platform import faults
from flightdeck_storage import errors
from flightdeck_storage.digests import md5_from_header
from flightdeck_storage.local import LocalObjectStore
from flightdeck_storage.signing import ROUTE_PREFIX, UrlSigner

DOWNLOAD_CHUNK_BYTES = 1 << 20

_REFUSALS: tuple[tuple[type[faults.Fault], int, str], ...] = (
    (errors.InvalidKey, 400, "InvalidKey"),
    (errors.InvalidDigest, 400, "InvalidDigest"),
    (errors.ChecksumMismatch, 400, "BadDigest"),
    (errors.ObjectTooLarge, 413, "EntityTooLarge"),
    (errors.SignatureMismatch, 403, "SignatureDoesNotMatch"),
    (errors.UrlExpired, 403, "AccessDenied"),
    (errors.ObjectNotFound, 404, "NoSuchKey"),
    (faults.InvalidArgument, 400, "InvalidRequest"),
)


def _refusal(fault: faults.Fault) -> Response:
    for kind, status, code in _REFUSALS:
        if isinstance(fault, kind):
            return JSONResponse({"code": code, "message": fault.message}, status_code=status)
    return JSONResponse({"code": "ServiceUnavailable", "message": fault.message}, 503)


class SignedUrlEndpoint:
    def __init__(self, store: LocalObjectStore, signer: UrlSigner, max_upload_bytes: int) -> None:
        self._store = store
        self._signer = signer
        self._max = max_upload_bytes

    def routes(self) -> list[BaseRoute]:
        return [Route(f"{ROUTE_PREFIX}{{key:path}}", self._serve, methods=["GET", "HEAD", "PUT"])]

    async def _serve(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            if request.method == "PUT":
                return await self._upload(request, key)
            return await self._download(request, key)
        except faults.Fault as fault:
            return _refusal(fault)

    def _authorise(self, request: Request, method: str, key: str, md5: str = "") -> None:
        self._store.path_of(key)
        self._signer.verify(method, key, request.query_params, md5)

    async def _upload(self, request: Request, key: str) -> Response:
        md5_header = request.headers.get("content-md5", "")
        self._authorise(request, "PUT", key, md5_header)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max:
            raise errors.ObjectTooLarge(self._max)
        expected = md5_from_header(md5_header) if md5_header else None
        try:
            await self._store.write(
                key, request.stream(), content_md5=expected, max_bytes=self._max
            )
        except ClientDisconnect:
            return JSONResponse({"code": "IncompleteBody", "message": "client went away"}, 400)
        # S3 answers a single-part PUT with the hex MD5 as ETag; clients may compare it.
        headers = {"ETag": f'"{expected.hex()}"'} if expected is not None else {}
        return Response(status_code=200, headers=headers)

    async def _download(self, request: Request, key: str) -> Response:
        self._authorise(request, "GET", key)
        info = await self._store.head(key)
        headers = {
            "Content-Length": str(info.size),
            "Last-Modified": info.modified_at.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        }
        if request.method == "HEAD":
            return Response(headers=headers, media_type="application/octet-stream")
        return StreamingResponse(
            self._store.read_chunks(key, DOWNLOAD_CHUNK_BYTES),
            headers=headers,
            media_type="application/octet-stream",
        )

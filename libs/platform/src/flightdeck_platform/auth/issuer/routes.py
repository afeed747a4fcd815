"""The built-in server's HTTP endpoints: ``POST /oauth2/token`` and ``GET /oauth2/jwks``."""

from __future__ import annotations

import base64
import binascii
import urllib.parse

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from flightdeck_platform.auth.issuer.grants import OAuthError, TokenIssuer
from flightdeck_platform.auth.issuer.signing import SigningKeys

MAX_FORM_BYTES = 16 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _form(body: bytes) -> dict[str, str]:
    if len(body) > MAX_FORM_BYTES:
        raise OAuthError("invalid_request", "request body too large")
    pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    return dict(pairs)


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """HTTP Basic (RFC 6749 §2.3.1: both parts form-encoded) or, failing that, the form."""
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError) as error:
            raise OAuthError("invalid_client", "malformed Basic credentials", 401) from error
        return urllib.parse.unquote_plus(client_id), urllib.parse.unquote_plus(secret)
    return form.get("client_id", ""), form.get("client_secret", "")


def _oauth_failure(error: OAuthError) -> Response:
    headers = dict(_NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="flightdeck"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers=headers,
    )


def issuer_routes(issuer: TokenIssuer, keys: SigningKeys) -> list[BaseRoute]:
    async def token(request: Request) -> Response:
        try:
            form = _form(await request.body())
            grant = form.get("grant_type", "")
            if grant != "client_credentials":
                raise OAuthError("unsupported_grant_type", f"grant_type {grant!r} is not served")
            client = issuer.authenticate(*_client_credentials(request, form))
            answer = issuer.client_credentials(client, form.get("scope", ""))
        except OAuthError as error:
            return _oauth_failure(error)
        return JSONResponse(answer, headers=_NO_STORE)

    async def jwks(request: Request) -> Response:
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "max-age=60"})

    return [
        Route("/oauth2/token", token, methods=["POST"]),
        Route("/oauth2/jwks", jwks, methods=["GET"]),
    ]

"""The built-in server's machine endpoints: ``POST /oauth2/token``,
``POST /oauth2/device/authorize`` and ``GET /oauth2/jwks``. Their failures are RFC 6749 §5.2
JSON answers."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from flightdeck_platform.auth.issuer.device import DeviceGrants
from flightdeck_platform.auth.issuer.exchange import TokenExchange
from flightdeck_platform.auth.issuer.forms import client_credentials, form_of
from flightdeck_platform.auth.issuer.grants import OAuthError, TokenIssuer
from flightdeck_platform.auth.issuer.signing import SigningKeys

_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _oauth_failure(error: OAuthError) -> Response:
    headers = dict(_NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="flightdeck"'
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
        headers=headers,
    )


def issuer_routes(
    issuer: TokenIssuer, exchange: TokenExchange, devices: DeviceGrants, keys: SigningKeys
) -> list[BaseRoute]:
    async def token(request: Request) -> Response:
        try:
            form = await form_of(request)
            answer = await exchange.answer(form, *client_credentials(request, form))
        except OAuthError as error:
            return _oauth_failure(error)
        return JSONResponse(answer, headers=_NO_STORE)

    async def device_authorization(request: Request) -> Response:
        try:
            form = await form_of(request)
            client = issuer.identify(*client_credentials(request, form))
            answer = await devices.start(client, form.get("scope", ""))
        except OAuthError as error:
            return _oauth_failure(error)
        return JSONResponse(answer, headers=_NO_STORE)

    async def jwks(request: Request) -> Response:
        return JSONResponse(keys.jwks(), headers={"Cache-Control": "max-age=60"})

    return [
        Route("/oauth2/token", token, methods=["POST"]),
        Route("/oauth2/device/authorize", device_authorization, methods=["POST"]),
        Route("/oauth2/jwks", jwks, methods=["GET"]),
    ]

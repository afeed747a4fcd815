"""The built-in server's pages for people: ``/oauth2/authorize`` (log in, then back to the
client with a code) and ``/oauth2/device`` (log in and approve a device's user code). No
session is kept: every approval asks for the password, so a forged form gains nothing."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from flightdeck_platform.auth.issuer import pages
from flightdeck_platform.auth.issuer.codes import (
    AuthorizationCodes,
    AuthorizationRequest,
    NoRedirect,
    with_query,
)
from flightdeck_platform.auth.issuer.device import DeviceGrants, UnknownUserCode
from flightdeck_platform.auth.issuer.forms import form_of
from flightdeck_platform.auth.issuer.grants import OAuthError
from flightdeck_platform.auth.issuer.users import BadLogin, LocalUsers

AUTHORIZE = "/oauth2/authorize"
DEVICE = "/oauth2/device"
CARRIED = (
    "client_id",
    "redirect_uri",
    "response_type",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
)
"""The authorization request's parameters, carried through the login form."""
WRONG_LOGIN = "Wrong username or password."


def _to_client(redirect_uri: str, error: OAuthError, state: str) -> Response:
    answer = {"error": error.error, "error_description": error.description}
    return RedirectResponse(
        with_query(redirect_uri, {**answer, **({"state": state} if state else {})}), 303
    )


class _Pages:
    def __init__(self, codes: AuthorizationCodes, devices: DeviceGrants, users: LocalUsers) -> None:
        self._codes = codes
        self._devices = devices
        self._users = users

    async def authorize(self, request: Request) -> Response:
        try:
            form = await form_of(request) if request.method == "POST" else {}
        except OAuthError as error:
            return pages.message("Bad request", error.description, 400)
        params = {k: v for k, v in {**request.query_params, **form}.items() if k in CARRIED}
        try:
            client, redirect_uri = self._codes.destination(params)
        except NoRedirect as refused:
            return pages.message("This sign-in link is not valid", str(refused), 400)
        try:
            asked = self._codes.request(client, redirect_uri, params)
        except OAuthError as error:
            return _to_client(redirect_uri, error, params.get("state", ""))
        if request.method == "GET":
            return pages.login(AUTHORIZE, params, client.client_id)
        return await self._log_in(asked, params, form)

    async def _log_in(
        self, asked: AuthorizationRequest, params: Mapping[str, str], form: Mapping[str, str]
    ) -> Response:
        try:
            subject = self._users.authenticate(form.get("username", ""), form.get("password", ""))
        except BadLogin:
            return pages.login(AUTHORIZE, params, asked.client.client_id, WRONG_LOGIN)
        return RedirectResponse(await self._codes.issue(asked, subject), 303)

    async def verify_device(self, request: Request) -> Response:
        if request.method == "GET":
            return pages.device(DEVICE, request.query_params.get("user_code", ""))
        try:
            form = await form_of(request)
        except OAuthError as error:
            return pages.message("Bad request", error.description, 400)
        return await self._decide(form)

    async def _decide(self, form: Mapping[str, str]) -> Response:
        user_code, approve = form.get("user_code", ""), form.get("decision") == "approve"
        try:
            subject = self._users.authenticate(form.get("username", ""), form.get("password", ""))
            await self._devices.decide(user_code, subject, approve)
        except BadLogin:
            return pages.device(DEVICE, user_code, WRONG_LOGIN, 401)
        except UnknownUserCode:
            return pages.device(DEVICE, user_code, "Unknown or expired code.", 400)
        if approve:
            return pages.message("Device connected", "You may close this page.")
        return pages.message("Request denied", "The device was not connected.")


def login_routes(
    codes: AuthorizationCodes, devices: DeviceGrants, users: LocalUsers
) -> list[BaseRoute]:
    served = _Pages(codes, devices, users)
    return [
        Route(AUTHORIZE, served.authorize, methods=["GET", "POST"]),
        Route(DEVICE, served.verify_device, methods=["GET", "POST"]),
    ]

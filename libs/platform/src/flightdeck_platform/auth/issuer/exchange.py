"""What the token endpoint does for each grant type it serves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flightdeck_platform.auth.issuer import codes, device, refresh
from flightdeck_platform.auth.issuer.grants import Client, OAuthError, TokenIssuer, UserGrant

CLIENT_CREDENTIALS = "client_credentials"


class TokenExchange:
    def __init__(
        self,
        issuer: TokenIssuer,
        authorization_codes: codes.AuthorizationCodes,
        devices: device.DeviceGrants,
        refresh_tokens: refresh.RefreshTokens,
    ) -> None:
        self._issuer = issuer
        self._codes = authorization_codes
        self._devices = devices
        self._refresh = refresh_tokens

    async def answer(self, form: Mapping[str, str], client_id: str, secret: str) -> dict[str, Any]:
        grant_type = form.get("grant_type", "")
        if grant_type not in (CLIENT_CREDENTIALS, codes.GRANT, device.GRANT, refresh.GRANT):
            raise OAuthError("unsupported_grant_type", f"grant_type {grant_type!r} is not served")
        if grant_type == CLIENT_CREDENTIALS:
            # Only a client that proved its secret acts as itself.
            client = self._issuer.authenticate(client_id, secret)
            return self._issuer.client_credentials(client, form.get("scope", ""))
        client = self._issuer.identify(client_id, secret)
        return await self._for_user(client, await self._user_grant(grant_type, client, form))

    async def _user_grant(
        self, grant_type: str, client: Client, form: Mapping[str, str]
    ) -> UserGrant:
        if grant_type == codes.GRANT:
            return await self._codes.redeem(client, form)
        if grant_type == device.GRANT:
            return await self._devices.poll(client, form.get("device_code", ""))
        return await self._refresh.redeem(
            client, form.get("refresh_token", ""), form.get("scope", "")
        )

    async def _for_user(self, client: Client, grant: UserGrant) -> dict[str, Any]:
        answer = self._issuer.for_user(client, grant)
        if self._refresh.wanted(client, grant):
            answer["refresh_token"] = await self._refresh.issue(grant)
        return answer

"""Refresh tokens for the user flows (RFC 6749 §6): opaque, each used once and replaced by a
new one (rotation), each valid for ``refresh_token_seconds`` from its issue."""

from __future__ import annotations

import time
from collections.abc import Callable

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.issuer.grants import Client, OAuthError, UserGrant
from flightdeck_platform.auth.issuer.pending import PendingGrants, UnknownGrant, key_of

GRANT = "refresh_token"
OFFLINE_SCOPES = frozenset({"offline", "offline_access"})
"""Asking for one of these is asking for a refresh token, as OIDC providers read it."""


class RefreshTokens:
    def __init__(
        self,
        store: PendingGrants,
        lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._lifetime = lifetime_seconds
        self._clock = clock

    @staticmethod
    def wanted(client: Client, grant: UserGrant) -> bool:
        return GRANT in client.grant_types and bool(OFFLINE_SCOPES & set(grant.scopes))

    async def issue(self, grant: UserGrant) -> str:
        token = secrets.new_secret()
        expires_at = self._clock() + self._lifetime
        entry = {
            "client_id": grant.client_id,
            "subject": grant.subject,
            "scopes": list(grant.scopes),
            "expires_at": expires_at,
        }
        await self._store.put(key_of("refresh", token), entry, expires_at)
        return token

    async def redeem(self, client: Client, token: str, requested: str) -> UserGrant:
        """A narrower scope may be asked for; never a wider one."""
        client.require_grant(GRANT)
        key = key_of("refresh", token)
        try:
            entry = await self._store.get(key)
        except UnknownGrant as error:
            raise OAuthError("invalid_grant", "unknown or expired refresh token") from error
        if not await self._store.claim(key, entry["expires_at"]):
            raise OAuthError("invalid_grant", "refresh token already used")
        if entry["expires_at"] < self._clock():
            raise OAuthError("invalid_grant", "refresh token expired")
        if entry["client_id"] != client.client_id:
            raise OAuthError("invalid_grant", "refresh token issued to another client")
        scopes = tuple(requested.split()) or tuple(entry["scopes"])
        if not set(scopes) <= set(entry["scopes"]):
            raise OAuthError("invalid_scope", "more scope than the original grant")
        return UserGrant(client.client_id, entry["subject"], scopes)

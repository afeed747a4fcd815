"""The device authorization grant (RFC 8628): a client without a browser gets a device code
and a short user code; the user enters the user code on the verification page, logs in and
approves; meanwhile the client polls the token endpoint with the device code."""

from __future__ import annotations

import secrets as random
import time
from collections.abc import Callable
from typing import Any

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.issuer.grants import Client, OAuthError, UserGrant, granted
from flightdeck_platform.auth.issuer.pending import PendingGrants, UnknownGrant, key_of

GRANT = "urn:ietf:params:oauth:grant-type:device_code"
USER_CODE_ALPHABET = "BCDFGHJKLMNPQRSTVWXZ"
"""RFC 8628 §6.1: no vowels (no words spelt by chance), nothing confused with a digit."""
USER_CODE_LENGTH = 8

PENDING, APPROVED, DENIED = "pending", "approved", "denied"


class UnknownUserCode(Exception):
    """Mistyped, expired or already decided."""


def normalized(user_code: str) -> str:
    """What the user typed, without the dash, spaces or case that do not matter."""
    return "".join(c for c in user_code.upper() if c in USER_CODE_ALPHABET)


class DeviceGrants:
    def __init__(
        self,
        store: PendingGrants,
        verification_uri: str,
        lifetime_seconds: int,
        interval_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._verification_uri = verification_uri
        self._lifetime = lifetime_seconds
        self._interval = interval_seconds
        self._clock = clock

    async def start(self, client: Client, requested: str) -> dict[str, Any]:
        client.require_grant(GRANT)
        scopes = granted(client, requested)
        device_code = secrets.new_secret()
        user_code = "".join(random.choice(USER_CODE_ALPHABET) for _ in range(USER_CODE_LENGTH))
        expires_at = self._clock() + self._lifetime
        device_key = key_of("device", device_code)
        entry = {
            "client_id": client.client_id,
            "scopes": scopes,
            "status": PENDING,
            "subject": "",
            "expires_at": expires_at,
            "last_poll": 0.0,
        }
        # Kept a while past expiry, so late polls hear expired_token, not invalid_grant.
        await self._store.put(device_key, entry, expires_at + self._lifetime)
        pointer = {"device": device_key, "expires_at": expires_at}
        await self._store.put(key_of("user", user_code), pointer, expires_at)
        shown = f"{user_code[:4]}-{user_code[4:]}"
        return {
            "device_code": device_code,
            "user_code": shown,
            "verification_uri": self._verification_uri,
            "verification_uri_complete": f"{self._verification_uri}?user_code={shown}",
            "expires_in": self._lifetime,
            "interval": self._interval,
        }

    async def decide(self, user_code: str, subject: str, approve: bool) -> None:
        try:
            pointer = await self._store.get(key_of("user", normalized(user_code)))
            entry = await self._store.get(pointer["device"])
        except UnknownGrant as error:
            raise UnknownUserCode(user_code) from error
        if entry["status"] != PENDING or entry["expires_at"] < self._clock():
            raise UnknownUserCode(user_code)
        decision = {"status": APPROVED if approve else DENIED, "subject": subject}
        await self._store.update(pointer["device"], decision)

    async def poll(self, client: Client, device_code: str) -> UserGrant:
        client.require_grant(GRANT)
        key = key_of("device", device_code)
        try:
            entry = await self._store.get(key)
        except UnknownGrant as error:
            raise OAuthError("invalid_grant", "unknown device_code") from error
        if entry["client_id"] != client.client_id:
            raise OAuthError("invalid_grant", "device_code issued to another client")
        now = self._clock()
        if entry["expires_at"] < now:
            raise OAuthError("expired_token", "the device code expired before approval")
        if entry["status"] == DENIED:
            raise OAuthError("access_denied", "the user denied the request")
        if entry["status"] == APPROVED:
            if not await self._store.claim(key, entry["expires_at"] + self._lifetime):
                raise OAuthError("invalid_grant", "device_code already used")
            return UserGrant(client.client_id, entry["subject"], tuple(entry["scopes"]))
        return await self._pending(key, entry["last_poll"], now)

    async def _pending(self, key: str, last_poll: float, now: float) -> UserGrant:
        await self._store.update(key, {"last_poll": now})
        # The advertised interval, never raised: flytekit keeps polling at the first interval
        # whatever it hears, so raising it (RFC 8628 §3.5) would lock flytekit out.
        if now - last_poll < self._interval:
            raise OAuthError("slow_down", f"poll at most every {self._interval} s")
        raise OAuthError("authorization_pending", "the user has not approved yet")

"""The authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636), S256 only, as the CLIs
use it: the browser is sent to ``/oauth2/authorize``, the user logs in, the browser is sent
back to the client's registered redirect URI with a code, which the client redeems once, with
the verifier of the challenge it sent first."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.issuer.grants import (
    Client,
    OAuthError,
    TokenIssuer,
    UserGrant,
    granted,
)
from flightdeck_platform.auth.issuer.pending import PendingGrants, UnknownGrant, key_of

GRANT = "authorization_code"
CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
"""An S256 challenge is the unpadded base64url of a SHA-256 digest: 43 characters."""


class NoRedirect(Exception):
    """The client or its redirect URI is not to be trusted: the user is told, and the browser
    is not sent anywhere (RFC 6749 §4.1.2.1)."""


@dataclass(frozen=True)
class AuthorizationRequest:
    client: Client
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str
    challenge: str


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """``uri`` with ``params`` added to the query it may already have."""
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


class AuthorizationCodes:
    def __init__(
        self,
        issuer: TokenIssuer,
        store: PendingGrants,
        lifetime_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._issuer = issuer
        self._store = store
        self._lifetime = lifetime_seconds
        self._clock = clock

    def destination(self, params: Mapping[str, str]) -> tuple[Client, str]:
        """The client and where its answers go; checked before anything is redirected."""
        try:
            client = self._issuer.registered(params.get("client_id", ""))
        except OAuthError as error:
            raise NoRedirect(error.description) from error
        redirect_uri = params.get("redirect_uri", "")
        if redirect_uri not in client.redirect_uris:
            raise NoRedirect(f"redirect_uri {redirect_uri!r} is not registered for this client")
        return client, redirect_uri

    def request(
        self, client: Client, redirect_uri: str, params: Mapping[str, str]
    ) -> AuthorizationRequest:
        """The rest of the request; its errors go back to the client, at its redirect URI."""
        if params.get("response_type") != "code":
            raise OAuthError("unsupported_response_type", "only response_type=code is served")
        client.require_grant(GRANT)
        challenge = params.get("code_challenge", "")
        if params.get("code_challenge_method") != "S256" or not CHALLENGE.fullmatch(challenge):
            raise OAuthError("invalid_request", "a code_challenge with method S256 is required")
        scopes = tuple(granted(client, params.get("scope", "")))
        return AuthorizationRequest(
            client, redirect_uri, scopes, params.get("state", ""), challenge
        )

    async def issue(self, request: AuthorizationRequest, subject: str) -> str:
        """Where the browser goes next: the redirect URI, with the code and the state."""
        code = secrets.new_secret()
        expires_at = self._clock() + self._lifetime
        entry = {
            "client_id": request.client.client_id,
            "redirect_uri": request.redirect_uri,
            "challenge": request.challenge,
            "subject": subject,
            "scopes": list(request.scopes),
            "expires_at": expires_at,
        }
        await self._store.put(key_of("code", code), entry, expires_at)
        answer = {"code": code, **({"state": request.state} if request.state else {})}
        return with_query(request.redirect_uri, answer)

    async def redeem(self, client: Client, form: Mapping[str, str]) -> UserGrant:
        """Single use: the first redemption claims the code, right or wrong, so a verifier
        cannot be guessed at over several tries."""
        client.require_grant(GRANT)
        key = key_of("code", form.get("code", ""))
        try:
            entry = await self._store.get(key)
        except UnknownGrant as error:
            raise OAuthError("invalid_grant", "unknown or expired authorization code") from error
        if not await self._store.claim(key, entry["expires_at"]):
            raise OAuthError("invalid_grant", "authorization code already used")
        if entry["expires_at"] < self._clock():
            raise OAuthError("invalid_grant", "authorization code expired")
        if entry["client_id"] != client.client_id:
            raise OAuthError("invalid_grant", "authorization code issued to another client")
        if entry["redirect_uri"] != form.get("redirect_uri", ""):
            raise OAuthError("invalid_grant", "redirect_uri differs from the authorization's")
        if not hmac.compare_digest(s256(form.get("code_verifier", "")), entry["challenge"]):
            raise OAuthError("invalid_grant", "code_verifier does not match the code_challenge")
        return UserGrant(client.client_id, entry["subject"], tuple(entry["scopes"]))

"""Token issuance: client authentication against hashed secrets, the client-credentials grant,
and the access tokens every grant ends in. Failures are RFC 6749 §5.2 errors, which the HTTP
edge answers as JSON."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.issuer.signing import SigningKeys
from flightdeck_platform.auth.settings import RegisteredClient


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


@dataclass(frozen=True)
class Client:
    client_id: str
    secret_hash: str
    grant_types: frozenset[str]
    scopes: frozenset[str]
    projects: tuple[str, ...] = ()
    redirect_uris: tuple[str, ...] = ()

    @property
    def public(self) -> bool:
        return not self.secret_hash

    def require_grant(self, grant_type: str) -> None:
        if grant_type not in self.grant_types:
            raise OAuthError("unauthorized_client", f"{self.client_id} may not use {grant_type}")

    @classmethod
    def of(cls, registered: RegisteredClient) -> Client:
        secret_hash = registered.secret_hash
        if not secret_hash and registered.secret_file:
            secret_hash = secrets.hash_secret(secrets.read_or_create(registered.secret_file))
        return cls(
            registered.client_id,
            secret_hash,
            frozenset(registered.grant_types),
            frozenset(registered.scopes),
            tuple(registered.projects),
            tuple(registered.redirect_uris),
        )


@dataclass(frozen=True)
class UserGrant:
    """What a user let a client have: the outcome of a code, a device approval or a refresh."""

    client_id: str
    subject: str
    scopes: tuple[str, ...]


@dataclass(frozen=True)
class TokenPolicy:
    issuer: str
    audience: str
    access_token_seconds: int


class TokenIssuer:
    def __init__(
        self,
        clients: Sequence[Client],
        keys: SigningKeys,
        policy: TokenPolicy,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._clients = {c.client_id: c for c in clients}
        self._keys = keys
        self._policy = policy
        self._clock = clock

    def authenticate(self, client_id: str, secret: str) -> Client:
        client = self._clients.get(client_id)
        # The hash is computed even for unknown clients, so timing tells nothing about ids.
        stored = client.secret_hash if client else secrets.hash_secret("", iterations=1)
        if not secrets.matches(secret, stored) or client is None or not client.secret_hash:
            raise OAuthError("invalid_client", "client authentication failed", 401)
        return client

    def identify(self, client_id: str, secret: str) -> Client:
        """A public client names itself (no secret to check); any other authenticates."""
        client = self._clients.get(client_id)
        if client is not None and client.public and not secret:
            return client
        return self.authenticate(client_id, secret)

    def registered(self, client_id: str) -> Client:
        client = self._clients.get(client_id)
        if client is None:
            raise OAuthError("invalid_client", f"unknown client {client_id!r}", 401)
        return client

    def client_credentials(self, client: Client, requested: str) -> dict[str, Any]:
        client.require_grant("client_credentials")
        scopes = granted(client, requested)
        return self._response(client.client_id, client.client_id, scopes, client.projects)

    def for_user(self, client: Client, grant: UserGrant) -> dict[str, Any]:
        # Local users have no other name: IdentityService answers it as the username too.
        person = {"subject": grant.subject, "preferred_username": grant.subject}
        return self._response(
            grant.subject, client.client_id, list(grant.scopes), client.projects, person
        )

    def _response(
        self,
        subject: str,
        client_id: str,
        scopes: list[str],
        projects: tuple[str, ...],
        user_info: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        now = int(self._clock())
        lifetime = self._policy.access_token_seconds
        claims = {
            "iss": self._policy.issuer,
            "aud": [self._policy.audience],
            "sub": subject,
            "client_id": client_id,
            "scp": scopes,
            "iat": now,
            "nbf": now,
            "exp": now + lifetime,
            "jti": uuid.uuid4().hex,
            "user_info": user_info or {"subject": subject},
        }
        if projects:
            claims["projects"] = list(projects)
        key = self._keys.active()
        token = jwt.encode(claims, key.private, algorithm="RS256", headers={"kid": key.kid})
        return {
            "access_token": token,
            "token_type": "bearer",
            "expires_in": lifetime,
            "scope": " ".join(scopes),
        }


def granted(client: Client, requested: str) -> list[str]:
    """No scope asked = every scope the client has; asking one it lacks is ``invalid_scope``."""
    asked = requested.split()
    if not asked:
        return sorted(client.scopes)
    missing = [s for s in asked if s not in client.scopes]
    if missing:
        raise OAuthError("invalid_scope", f"{client.client_id} may not have {' '.join(missing)}")
    return asked

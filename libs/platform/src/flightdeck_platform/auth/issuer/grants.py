"""Token issuance: client authentication against hashed secrets and the client-credentials
grant. Failures are RFC 6749 §5.2 errors, which the HTTP edge answers as JSON."""

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
        )


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

    def client_credentials(self, client: Client, requested: str) -> dict[str, Any]:
        if "client_credentials" not in client.grant_types:
            raise OAuthError(
                "unauthorized_client", f"{client.client_id} may not use client_credentials"
            )
        scopes = _granted(client, requested)
        return self._response(client.client_id, client.client_id, scopes, client.projects)

    def _response(
        self, subject: str, client_id: str, scopes: list[str], projects: tuple[str, ...]
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
            "user_info": {"subject": subject},
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


def _granted(client: Client, requested: str) -> list[str]:
    """No scope asked = every scope the client has; asking one it lacks is ``invalid_scope``."""
    asked = requested.split()
    if not asked:
        return sorted(client.scopes)
    missing = [s for s in asked if s not in client.scopes]
    if missing:
        raise OAuthError("invalid_scope", f"{client.client_id} may not have {' '.join(missing)}")
    return asked

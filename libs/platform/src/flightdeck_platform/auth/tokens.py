"""Bearer tokens: found in the request metadata, validated as JWTs by PyJWT.

Checked: the signature (RS256/ES256 only: never ``none`` nor an HMAC a public key could be
abused as), ``exp`` and ``nbf`` with leeway, ``iat``, the audience, the issuer when one is
expected, and the required scope. Claims read as the reference does: ``sub``, ``client_id``,
``scp`` (a string or a list); a user token carrying neither a client id nor scopes gets ``all``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jwt

from flightdeck_platform import faults
from flightdeck_platform.auth.keys import KeySource
from flightdeck_platform.auth.principal import Principal

ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "PS256"]
MAX_TOKEN_CHARS = 16_384
"""Far above any real token; longer ones are refused before parsing."""

Metadata = Sequence[tuple[str, str | bytes]]


def bearer_token(metadata: Metadata, header: str) -> str:
    """The access token from ``authorization`` or ``header``; Unauthenticated when absent."""
    names = {"authorization", header.lower()}
    for key, value in metadata:
        if key.lower() in names and isinstance(value, str):
            scheme, _, token = value.strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
            raise faults.Unauthenticated(
                f"token parse error: the {key} header is not 'Bearer <token>'"
            )
    raise faults.Unauthenticated(f"no token: send authorization or {header}: Bearer <token>")


@dataclass(frozen=True)
class Expectations:
    audiences: Sequence[str]
    issuer: str = ""
    required_scope: str = "all"
    leeway_seconds: float = 30.0


class TokenValidator:
    def __init__(self, keys: KeySource, expect: Expectations) -> None:
        self._keys = keys
        self._expect = expect

    async def principal(self, token: str) -> Principal:
        claims = await self._claims(token)
        scopes = _scopes(claims)
        if self._expect.required_scope and self._expect.required_scope not in scopes:
            raise faults.Unauthenticated(f"token lacks the scope {self._expect.required_scope!r}")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise faults.Unauthenticated("token parse error: missing sub")
        client_id = claims.get("client_id")
        return Principal(subject, client_id if isinstance(client_id, str) else "", scopes, claims)

    async def _claims(self, token: str) -> dict[str, Any]:
        if len(token) > MAX_TOKEN_CHARS:
            raise faults.Unauthenticated("token parse error: token too long")
        try:
            header = jwt.get_unverified_header(token)
            kid = header.get("kid")
            key = await self._keys.key_for(kid if isinstance(kid, str) else None)
            return jwt.decode(token, key=key, **self._decode_options())
        except jwt.PyJWTError as error:
            raise faults.Unauthenticated(f"token parse error: {error}") from error

    def _decode_options(self) -> dict[str, Any]:
        expect = self._expect
        required = ["exp", "sub", "aud"] + (["iss"] if expect.issuer else [])
        return {
            "algorithms": ALGORITHMS,
            "audience": list(expect.audiences),
            "issuer": expect.issuer or None,
            "leeway": expect.leeway_seconds,
            "options": {"require": required, "verify_iss": bool(expect.issuer)},
        }


def _scopes(claims: dict[str, Any]) -> frozenset[str]:
    raw = claims.get("scp", claims.get("scope"))
    if isinstance(raw, str):
        scopes = frozenset(raw.split())
    elif isinstance(raw, list):
        scopes = frozenset(s for s in raw if isinstance(s, str))
    else:
        scopes = frozenset()
    if not scopes and not claims.get("client_id"):
        return frozenset({"all"})
    return scopes

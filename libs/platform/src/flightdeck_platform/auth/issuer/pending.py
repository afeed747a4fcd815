"""Where the built-in server keeps what outlives one request: authorization codes, device
grants waiting for their user, refresh tokens. Every admin replica answers the token endpoint,
so this is shared storage (admin's MongoDB); entries are keyed by a hash of the secret they
stand for, so a reader of the store cannot replay them."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol


class UnknownGrant(Exception):
    """No entry under this key: never issued, or already swept away."""


def key_of(kind: str, secret: str) -> str:
    return f"{kind}:{hashlib.sha256(secret.encode()).hexdigest()}"


class PendingGrants(Protocol):
    async def put(self, key: str, fields: dict[str, Any], keep_until: float) -> None:
        """Stores a new entry; the store may forget it once ``keep_until`` (epoch) has passed."""

    async def get(self, key: str) -> dict[str, Any]:
        """The entry's fields; ``UnknownGrant`` when there is none."""

    async def update(self, key: str, fields: dict[str, Any]) -> None:
        """Sets these fields of an existing entry; ``UnknownGrant`` when there is none."""

    async def claim(self, key: str, keep_until: float) -> bool:
        """True for exactly one caller per key, across replicas: what makes a code or a
        refresh token single-use."""

"""The people who log in to the built-in server's pages, with passwords hashed as client
secrets are (``secrets``)."""

from __future__ import annotations

from collections.abc import Sequence

from flightdeck_platform.auth.issuer import secrets
from flightdeck_platform.auth.settings import LocalUser


class BadLogin(Exception):
    """Unknown user or wrong password; which one is not told."""


class LocalUsers:
    def __init__(self, users: Sequence[LocalUser]) -> None:
        self._hashes = {u.username: _stored_hash(u) for u in users}
        # Unknown names are checked against this, at the same cost, so timing tells little
        # about who exists.
        self._decoy = secrets.hash_secret(secrets.new_secret())

    def authenticate(self, username: str, password: str) -> str:
        """The subject of tokens this user's flows get."""
        stored = self._hashes.get(username, "")
        if not secrets.matches(password, stored or self._decoy) or not stored:
            raise BadLogin(username)
        return username


def _stored_hash(user: LocalUser) -> str:
    if user.password_hash or not user.password_file:
        return user.password_hash
    return secrets.hash_secret(secrets.read_or_create(user.password_file))

"""Client secrets and user passwords are stored as salted PBKDF2-SHA256 hashes (stdlib
``hashlib``), compared in constant time. ``python -m flightdeck_platform.auth.issuer.secrets``
hashes one from stdin."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import sys
from pathlib import Path

SCHEME = "pbkdf2_sha256"
ITERATIONS = 200_000


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_secret(secret: str, *, iterations: int = ITERATIONS, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", secret.encode(), salt, iterations)
    return f"{SCHEME}${iterations}${_b64(salt)}${_b64(digest)}"


def matches(secret: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
        if scheme != SCHEME:
            return False
        candidate = hashlib.pbkdf2_hmac("sha256", secret.encode(), _unb64(salt), int(iterations))
        return hmac.compare_digest(candidate, _unb64(digest))
    except ValueError:
        return False


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def read_or_create(path: str) -> str:
    """The secret in ``path``, made (random, owner-only) when missing: the embedded default."""
    file = Path(path)
    if not file.exists():
        file.parent.mkdir(parents=True, exist_ok=True)
        file.touch(mode=0o600)
        file.write_text(new_secret())
    return file.read_text().strip()


if __name__ == "__main__":
    print(hash_secret(sys.stdin.readline().rstrip("\n")))

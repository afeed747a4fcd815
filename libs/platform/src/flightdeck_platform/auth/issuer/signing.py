"""Signing keys from a mounted secret directory: every ``*.pem`` RSA private key is published
in the JWKS; the last by name signs. Rotation is adding a key whose name sorts last, then
removing the old one once the tokens it signed have expired."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

_log = logging.getLogger("flightdeck.auth")

KEY_BITS = 2048


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private: rsa.RSAPrivateKey

    def public_jwk(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "use": "sig", "alg": "RS256"}


def _load(path: Path) -> SigningKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"{path} is not an RSA private key")
    return SigningKey(_thumbprint(RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)), key)


def _thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638: the same kid across restarts and across replicas reading the same file."""
    members = {k: jwk[k] for k in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).decode().rstrip("=")


def generate(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    path = directory / f"{time.strftime('%Y%m%dT%H%M%S')}.pem"
    path.touch(mode=0o600)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


class SigningKeys:
    """Re-read on an interval so a rotated secret takes effect without a restart."""

    def __init__(self, directory: str, reload_seconds: float) -> None:
        self._directory = Path(directory)
        self._reload_seconds = reload_seconds
        self._loaded_at = float("-inf")
        self._keys: list[SigningKey] = []

    def ensure(self) -> None:
        """The embedded default has no mounted secret: make a first key."""
        if not sorted(self._directory.glob("*.pem")):
            _log.warning("no signing key in %s: generating one", self._directory)
            generate(self._directory)

    def _current(self) -> list[SigningKey]:
        now = time.monotonic()
        if now - self._loaded_at > self._reload_seconds or not self._keys:
            paths = sorted(self._directory.glob("*.pem"))
            if not paths:
                raise FileNotFoundError(f"no signing key (*.pem) in {self._directory}")
            self._keys = [_load(p) for p in paths]
            self._loaded_at = now
        return self._keys

    def active(self) -> SigningKey:
        return self._current()[-1]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self._current()]}

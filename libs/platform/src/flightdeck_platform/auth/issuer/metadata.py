"""The built-in server's OAuth 2 authorization server metadata (RFC 8414), as flyteadmin's
self mode answers it."""

from __future__ import annotations

from typing import Any


def server_metadata(issuer: str, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "jwks_uri": f"{base}/oauth2/jwks",
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code", "token", "code token"],
        "grant_types_supported": ["client_credentials", "refresh_token", "authorization_code"],
        "scopes_supported": ["all"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        "device_authorization_endpoint": "",
    }

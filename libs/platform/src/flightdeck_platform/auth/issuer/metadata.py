"""The built-in server's OAuth 2 authorization server metadata (RFC 8414): the endpoints and
grants it serves."""

from __future__ import annotations

from typing import Any

from flightdeck_platform.auth.issuer import codes, device, refresh
from flightdeck_platform.auth.issuer.exchange import CLIENT_CREDENTIALS


def server_metadata(issuer: str, public_url: str) -> dict[str, Any]:
    base = public_url.rstrip("/")
    return {
        "issuer": issuer,
        "authorization_endpoint": f"{base}/oauth2/authorize",
        "token_endpoint": f"{base}/oauth2/token",
        "jwks_uri": f"{base}/oauth2/jwks",
        "code_challenge_methods_supported": ["S256"],
        "response_types_supported": ["code"],
        "grant_types_supported": [CLIENT_CREDENTIALS, refresh.GRANT, codes.GRANT, device.GRANT],
        "scopes_supported": ["all", "offline"],
        # "none": the public clients (flytectl, flyte-cli) only name themselves.
        "token_endpoint_auth_methods_supported": [
            "client_secret_basic",
            "client_secret_post",
            "none",
        ],
        "device_authorization_endpoint": f"{base}/oauth2/device/authorize",
    }

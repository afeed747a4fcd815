"""The built-in server put together from settings, for the process that hosts it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute

from flightdeck_platform.auth.issuer.grants import Client, TokenIssuer, TokenPolicy
from flightdeck_platform.auth.issuer.metadata import server_metadata
from flightdeck_platform.auth.issuer.routes import issuer_routes
from flightdeck_platform.auth.issuer.signing import SigningKeys
from flightdeck_platform.auth.settings import AuthSettings


@dataclass(frozen=True)
class BuiltInServer:
    keys: SigningKeys
    issuer: TokenIssuer
    routes: list[BaseRoute]
    metadata: dict[str, Any]


def built_in_server(settings: AuthSettings) -> BuiltInServer:
    config = settings.issuer_server
    keys = SigningKeys(config.signing_keys_dir, config.keys_reload_seconds)
    keys.ensure()
    issuer = TokenIssuer(
        [Client.of(c) for c in config.clients],
        keys,
        TokenPolicy(
            settings.expected_issuer(), settings.audiences()[0], config.access_token_seconds
        ),
    )
    return BuiltInServer(
        keys,
        issuer,
        issuer_routes(issuer, keys),
        server_metadata(settings.expected_issuer(), settings.public_url),
    )

"""The built-in server put together from settings, for the process that hosts it; ``grants``
is where it keeps codes, device grants and refresh tokens (admin passes its MongoDB store)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from starlette.routing import BaseRoute

from flightdeck_platform.auth.issuer.codes import AuthorizationCodes
from flightdeck_platform.auth.issuer.device import DeviceGrants
from flightdeck_platform.auth.issuer.exchange import TokenExchange
from flightdeck_platform.auth.issuer.grants import Client, TokenIssuer, TokenPolicy
from flightdeck_platform.auth.issuer.login import DEVICE, login_routes
from flightdeck_platform.auth.issuer.metadata import server_metadata
from flightdeck_platform.auth.issuer.pending import PendingGrants
from flightdeck_platform.auth.issuer.refresh import RefreshTokens
from flightdeck_platform.auth.issuer.routes import issuer_routes
from flightdeck_platform.auth.issuer.signing import SigningKeys
from flightdeck_platform.auth.issuer.users import LocalUsers
from flightdeck_platform.auth.settings import AuthSettings

_log = logging.getLogger("flightdeck.auth")


@dataclass(frozen=True)
class BuiltInServer:
    keys: SigningKeys
    issuer: TokenIssuer
    routes: list[BaseRoute]
    metadata: dict[str, Any]


def built_in_server(settings: AuthSettings, grants: PendingGrants) -> BuiltInServer:
    config = settings.issuer_server
    keys = SigningKeys(config.signing_keys_dir, config.keys_reload_seconds)
    keys.ensure()
    clients = [Client.of(c) for c in config.clients]
    _check_public_client(settings, clients)
    issuer = TokenIssuer(
        clients,
        keys,
        TokenPolicy(
            settings.expected_issuer(), settings.audiences()[0], config.access_token_seconds
        ),
    )
    base = settings.public_url.rstrip("/")
    codes = AuthorizationCodes(issuer, grants, config.authorization_code_seconds)
    devices = DeviceGrants(
        grants, f"{base}{DEVICE}", config.device_code_seconds, config.device_poll_seconds
    )
    exchange = TokenExchange(
        issuer, codes, devices, RefreshTokens(grants, config.refresh_token_seconds)
    )
    routes = [
        *issuer_routes(issuer, exchange, devices, keys),
        *login_routes(codes, devices, LocalUsers(config.users)),
    ]
    return BuiltInServer(
        keys, issuer, routes, server_metadata(settings.expected_issuer(), settings.public_url)
    )


def _check_public_client(settings: AuthSettings, clients: list[Client]) -> None:
    """GetPublicClientConfig names a client and a redirect URI; the CLIs fail at login, far
    from the cause, when this server does not know them."""
    public = next((c for c in clients if c.client_id == settings.public_client_id), None)
    if public is None or settings.redirect_uri not in public.redirect_uris:
        _log.warning(
            "auth.public_client_id %r with redirect_uri %r is not a registered client of the "
            "built-in server: flytekit's Pkce and DeviceFlow logins will fail",
            settings.public_client_id,
            settings.redirect_uri,
        )

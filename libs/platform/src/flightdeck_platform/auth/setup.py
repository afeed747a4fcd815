"""What a composition root calls: the server interceptors its settings ask for."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import grpc

from flightdeck_platform.auth.fetch import json_document, metadata_value
from flightdeck_platform.auth.interceptor import AuthInterceptor, Authorize
from flightdeck_platform.auth.keys import KeySource, RemoteJwks, StaticKeys
from flightdeck_platform.auth.policy import authorize_project
from flightdeck_platform.auth.settings import AuthSettings
from flightdeck_platform.auth.tokens import Expectations, TokenValidator

_log = logging.getLogger("flightdeck.auth")


def expectations(settings: AuthSettings) -> Expectations:
    return Expectations(
        audiences=settings.audiences(),
        issuer=settings.expected_issuer(),
        required_scope=settings.required_scope,
        leeway_seconds=settings.leeway_seconds,
    )


def issuer_keys(settings: AuthSettings) -> KeySource:
    """The issuer's JWKS, located through its metadata document on first use (so a service
    starts while the issuer is still starting) and re-read as ``jwks_refresh_seconds`` says."""

    async def locate() -> str:
        metadata = await json_document(settings.metadata_location())
        jwks_uri = metadata_value(metadata, "jwks_uri")
        if not jwks_uri:
            raise ValueError(f"{settings.metadata_location()} names no jwks_uri")
        return jwks_uri

    return RemoteJwks(locate, settings.jwks_refresh_seconds)


def server_authentication(
    settings: AuthSettings,
    service: str,
    local_keys: Callable[[], dict[str, Any]] | None = None,
    authorize: Authorize | None = None,
) -> list[grpc.aio.ServerInterceptor]:
    """``local_keys``: the JWKS of the built-in server when it runs in this very process (admin),
    so admin never calls itself over HTTP to check its own tokens."""
    if not settings.enabled:
        _log.warning(
            "AUTHENTICATION IS OFF: %s serves every RPC to anyone who can reach it; set "
            "auth.enabled (FLIGHTDECK_<SERVICE>_AUTH__ENABLED=true) to require tokens",
            service,
        )
        return []
    keys: KeySource = (
        StaticKeys(local_keys)
        if local_keys is not None and settings.mode == "self"
        else issuer_keys(settings)
    )
    _log.info(
        "authentication on",
        extra={"mode": settings.mode, "issuer": settings.expected_issuer(), "service": service},
    )
    validator = TokenValidator(keys, expectations(settings))
    if authorize is None and settings.project_policy:
        authorize = authorize_project
    return [AuthInterceptor(validator, settings.authorization_header, authorize)]

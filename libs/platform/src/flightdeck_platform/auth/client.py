"""Outgoing calls as the service's own account: a client-credentials token, fetched from the
issuer's token endpoint, cached until shortly before it expires, sent as ``authorization``."""

from __future__ import annotations

import asyncio
import base64
import json
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any

import grpc

from flightdeck_platform import faults
from flightdeck_platform.auth.fetch import TIMEOUT_SECONDS, json_document, metadata_value
from flightdeck_platform.auth.issuer.secrets import read_or_create
from flightdeck_platform.auth.settings import AuthSettings

RENEW_BEFORE_SECONDS = 60.0


def _post_form(url: str, form: dict[str, str], basic: str) -> dict[str, Any]:
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={
            "Authorization": f"Basic {basic}",
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/json",
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        answer = json.loads(response.read())
    if not isinstance(answer, dict) or not isinstance(answer.get("access_token"), str):
        raise ValueError(f"{url} answered no access_token")
    return answer


class ServiceAccountToken:
    def __init__(
        self,
        settings: AuthSettings,
        client_id: str,
        secret_file: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._client_id = client_id
        self._secret_file = secret_file
        self._clock = clock
        self._token = ""
        self._renew_at = float("-inf")
        self._lock = asyncio.Lock()

    async def authorization(self) -> str:
        async with self._lock:
            if self._clock() >= self._renew_at:
                await self._renew()
        return f"Bearer {self._token}"

    async def _token_url(self) -> str:
        configured = self._settings.service_account.token_url
        if configured:
            return configured
        metadata = await json_document(self._settings.metadata_location())
        return metadata_value(metadata, "token_endpoint")

    async def _renew(self) -> None:
        secret = read_or_create(self._secret_file)
        pair = f"{urllib.parse.quote_plus(self._client_id)}:{urllib.parse.quote_plus(secret)}"
        basic = base64.b64encode(pair.encode()).decode()
        form = {"grant_type": "client_credentials"}
        if self._settings.service_account.scopes:
            form["scope"] = " ".join(self._settings.service_account.scopes)
        url = await self._token_url()
        try:
            answer = await asyncio.to_thread(_post_form, url, form, basic)
        except (OSError, ValueError) as error:
            raise faults.Unavailable(f"cannot get a token from {url}: {error}") from error
        lifetime = float(answer.get("expires_in", 300))
        self._token = answer["access_token"]
        self._renew_at = self._clock() + max(lifetime - RENEW_BEFORE_SECONDS, lifetime / 2)


class _BearerInterceptor(
    grpc.aio.UnaryUnaryClientInterceptor,
    grpc.aio.UnaryStreamClientInterceptor,
):
    def __init__(self, token: ServiceAccountToken) -> None:
        self._token = token

    async def _with_token(self, details: grpc.aio.ClientCallDetails) -> grpc.aio.ClientCallDetails:
        metadata = grpc.aio.Metadata(*(details.metadata or ()))
        metadata["authorization"] = await self._token.authorization()
        return grpc.aio.ClientCallDetails(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready
        )

    async def intercept_unary_unary(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return await continuation(await self._with_token(client_call_details), request)

    async def intercept_unary_stream(self, continuation, client_call_details, request):  # type: ignore[no-untyped-def]
        return await continuation(await self._with_token(client_call_details), request)


def client_interceptors(
    settings: AuthSettings, service_account: str
) -> list[grpc.aio.ClientInterceptor]:
    """Nothing when authentication is off. ``service_account`` is the account the service uses
    unless its settings name another; the embedded default reads its secret from the file the
    built-in server generated (``var/auth/clients/<id>``)."""
    if not settings.enabled:
        return []
    account = settings.service_account
    client_id = account.client_id or service_account
    secret_file = account.secret_file or f"var/auth/clients/{client_id}"
    return [_BearerInterceptor(ServiceAccountToken(settings, client_id, secret_file))]

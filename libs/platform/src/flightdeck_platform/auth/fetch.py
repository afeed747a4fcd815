"""Reading an issuer's JSON documents (metadata, JWKS) over HTTP without blocking the loop."""

from __future__ import annotations

import asyncio
import json
import urllib.request
from typing import Any

from flightdeck_platform import faults

TIMEOUT_SECONDS = 5.0
MAX_BYTES = 1024 * 1024


def _get(url: str) -> dict[str, Any]:
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
        document = json.loads(response.read(MAX_BYTES))
    if not isinstance(document, dict):
        raise ValueError(f"{url} did not answer a JSON object")
    return document


async def json_document(url: str) -> dict[str, Any]:
    """The JSON object at ``url``; any failure to get one is Unavailable (the issuer is away)."""
    if not url.startswith(("http://", "https://")):
        raise faults.InvalidArgument(f"invalid value for issuer url: {url!r} is not http(s)")
    try:
        return await asyncio.to_thread(_get, url)
    except (OSError, ValueError) as error:
        raise faults.Unavailable(f"cannot read {url}: {error}") from error


def metadata_value(document: dict[str, Any], name: str) -> str:
    """A member of an authorization server's metadata by its RFC 8414 name (``jwks_uri``), or
    by the lowerCamel JSON name of ``OAuth2MetadataResponse`` (``jwksUri``): what admin's REST
    gateway answers at ``/.well-known/oauth-authorization-server``. ``""`` when absent."""
    head, *rest = name.split("_")
    for key in (name, head + "".join(part.title() for part in rest)):
        value = document.get(key)
        if isinstance(value, str) and value:
            return value
    return ""

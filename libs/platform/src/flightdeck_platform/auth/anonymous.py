"""What answers without a token when authentication is on: the reference's allow-list.

gRPC: only AuthMetadataService (flyteadmin's ``AuthFuncOverride``); IdentityService, health,
reflection, GetVersion and everything else need a token, as in flyteadmin. HTTP: REST goes
through the gRPC check (the gateway makes a real call carrying the request's authorization
headers), so ``/.well-known/oauth-authorization-server`` and ``/config/v1/flyte_client`` are
open because their RPCs are and ``/me`` is not; /healthcheck, /readyz, /metrics and the built-in
server's /oauth2/ routes never need a token (the reference leaves /healthcheck and /oauth2/
open and serves metrics on an unauthenticated side port).
"""

from __future__ import annotations

ANONYMOUS_SERVICES = frozenset({"flyteidl.service.AuthMetadataService"})


def is_anonymous_method(method: str) -> bool:
    """``method`` is gRPC's ``/package.Service/Method``."""
    service = method.lstrip("/").partition("/")[0]
    return service in ANONYMOUS_SERVICES

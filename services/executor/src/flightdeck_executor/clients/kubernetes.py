"""The Kubernetes API as hand-off mode uses it (``kubernetes_asyncio``): FlyteWorkflow objects
created and deleted, namespaces and ServiceAccounts read and created — exactly what
``deploy/k8s/rbac/executor-handoff.yaml`` grants. The client's errors are translated here, once:
no answer, 429 and 5xx are ``ClusterUnavailable``; any other refusal is ``ClusterRefused``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from kubernetes_asyncio import client, config
from kubernetes_asyncio.client.exceptions import ApiException

from flightdeck_executor.domain.flyteworkflow import GROUP, PLURAL, VERSION
from flightdeck_executor.service.ports import ClusterRefused, ClusterUnavailable, NamespaceMissing

NOT_FOUND = 404
CONFLICT = 409
TOO_MANY_REQUESTS = 429

Result = TypeVar("Result")


class KubernetesCluster:
    def __init__(self, api: client.ApiClient, timeout: float) -> None:
        self._api = api
        self._custom = client.CustomObjectsApi(api)
        self._core = client.CoreV1Api(api)
        self._version = client.VersionApi(api)
        self._timeout = timeout

    @classmethod
    async def connect(
        cls, kube_config: Path | None, context: str, call_timeout: float
    ) -> KubernetesCluster:
        """From a kubeconfig file, or from the pod's service account when there is none."""
        configuration = client.Configuration()
        if kube_config is None:
            config.load_incluster_config(client_configuration=configuration)
        else:
            await config.load_kube_config(
                config_file=str(kube_config),
                context=context or None,
                client_configuration=configuration,
                persist_config=False,
            )
        return cls(client.ApiClient(configuration), call_timeout)

    async def close(self) -> None:
        await self._api.close()

    async def ping(self) -> None:
        """GET /version, which every authenticated identity may read."""
        await self._call(lambda **kw: self._version.get_code(**kw))

    async def create_workflow(self, namespace: str, body: Mapping[str, object]) -> bool:
        try:
            await self._call(
                lambda **kw: self._custom.create_namespaced_custom_object(
                    GROUP, VERSION, namespace, PLURAL, dict(body), **kw
                )
            )
        except ClusterRefused as refused:
            if refused.status == CONFLICT:
                return False
            raise
        return True

    async def delete_workflow(self, namespace: str, name: str) -> bool:
        try:
            # Background, as flyteadmin: the call returns once the delete is recorded, and
            # propeller's finalizer keeps the object until it has aborted the run.
            await self._call(
                lambda **kw: self._custom.delete_namespaced_custom_object(
                    GROUP, VERSION, namespace, PLURAL, name, propagation_policy="Background", **kw
                )
            )
        except ClusterRefused as refused:
            if refused.status == NOT_FOUND:
                return False
            raise
        return True

    async def ensure_namespace(self, name: str) -> bool:
        body = client.V1Namespace(metadata=client.V1ObjectMeta(name=name))
        return await self._ensure(
            lambda **kw: self._core.read_namespace(name, **kw),
            lambda **kw: self._core.create_namespace(body, **kw),
        )

    async def ensure_service_account(self, namespace: str, name: str) -> bool:
        body = client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=name))
        return await self._ensure(
            lambda **kw: self._core.read_namespaced_service_account(name, namespace, **kw),
            lambda **kw: self._core.create_namespaced_service_account(namespace, body, **kw),
        )

    async def _ensure(
        self, read: Callable[..., Awaitable[Any]], create: Callable[..., Awaitable[Any]]
    ) -> bool:
        """Read first (the common case: it exists); create when missing; losing a creation race
        (another replica, Kubernetes' own service-account controller) is fine."""
        try:
            await self._call(read)
            return False
        except ClusterRefused as refused:
            if refused.status != NOT_FOUND:
                raise
        try:
            await self._call(create)
        except ClusterRefused as refused:
            if refused.status == CONFLICT:
                return False
            raise
        return True

    async def _call(self, call: Callable[..., Awaitable[Result]]) -> Result:
        try:
            return await call(_request_timeout=self._timeout)
        except ApiException as error:
            raise _refusal(error) from error
        except (aiohttp.ClientError, TimeoutError, OSError) as error:
            raise ClusterUnavailable(f"Kubernetes API unreachable: {error!r}") from error


def _refusal(error: ApiException) -> Exception:
    status = int(error.status or 0)
    message = _status_message(error)
    if status == 0 or status == TOO_MANY_REQUESTS or status >= 500:
        return ClusterUnavailable(f"Kubernetes API answered {status}: {message}")
    if status == NOT_FOUND and _details_kind(error) == "namespaces":
        return NamespaceMissing(message, status)
    return ClusterRefused(f"Kubernetes API refused ({status}): {message}", status)


def _status(error: ApiException) -> dict[str, Any]:
    """The metav1.Status the API server sends with an error, when it parses."""
    try:
        parsed = json.loads(error.body or "{}")
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _status_message(error: ApiException) -> str:
    return str(_status(error).get("message") or error.reason or "")


def _details_kind(error: ApiException) -> str:
    details = _status(error).get("details")
    return str(details.get("kind", "")) if isinstance(details, dict) else ""

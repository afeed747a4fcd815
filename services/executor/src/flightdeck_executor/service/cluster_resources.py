"""What a project-domain needs in the cluster before propeller can run its workflows: its
namespace and the ServiceAccount its pods run as (flyteadmin's cluster-resource controller
applies these from templates; flightdeck makes the two that are always needed).

Each run makes its own namespace on arrival, so a project created a second ago works; a loop
also lists the projects through the edge now and then so namespaces exist before the first
run (and after someone deleted one). Both are idempotent: what exists is left alone.
"""

from __future__ import annotations

import asyncio
import logging

from flightdeck_executor.domain.flyteworkflow import namespace_for
from flightdeck_executor.service import metrics
from flightdeck_executor.service.ports import Cluster, ProjectDirectory

_log = logging.getLogger("flightdeck.executor.cluster_resources")


class ClusterResources:
    def __init__(
        self,
        cluster: Cluster,
        projects: ProjectDirectory,
        namespace_template: str,
        service_account: str,
        sync_interval: float,
    ) -> None:
        self._cluster = cluster
        self._projects = projects
        self._template = namespace_template
        self._service_account = service_account
        self._interval = sync_interval
        # Namespaces made (or found) since start: a run skips the two API reads for them.
        self._ready: set[str] = set()

    def namespace(self, project: str, domain: str) -> str:
        return namespace_for(self._template, project, domain)

    async def ensure(self, project: str, domain: str) -> str:
        """The project-domain's namespace, with its ServiceAccount, made if missing."""
        name = self.namespace(project, domain)
        if name in self._ready:
            return name
        if await self._cluster.ensure_namespace(name):
            metrics.CLUSTER_RESOURCES_CREATED.labels("namespace").inc()
            _log.info("created namespace %s", name)
        if await self._cluster.ensure_service_account(name, self._service_account):
            metrics.CLUSTER_RESOURCES_CREATED.labels("serviceaccount").inc()
            _log.info("created service account %s/%s", name, self._service_account)
        self._ready.add(name)
        return name

    def forget(self, namespace: str) -> None:
        """The namespace turned out to be gone: the next run or sync makes it again."""
        self._ready.discard(namespace)

    async def sync(self) -> int:
        """Every active project-domain ensured; returns how many failed (each is logged)."""
        failed = 0
        for project in await self._projects.active_projects():
            for domain in project.domains:
                try:
                    await self.ensure(project.project, domain)
                except Exception:
                    failed += 1
                    _log.exception("cluster resources of %s/%s failed", project.project, domain)
        return failed

    async def run(self) -> None:
        """Syncs every interval until cancelled; no failure stops it."""
        while True:
            # A full re-check each round catches namespaces deleted behind our back.
            self._ready.clear()
            try:
                failed = await self.sync()
                outcome = "partial" if failed else "ok"
            except asyncio.CancelledError:
                raise
            except Exception:
                outcome = "failed"
                _log.exception("listing the projects for their namespaces failed")
            metrics.CLUSTER_RESOURCE_SYNCS.labels(outcome).inc()
            await asyncio.sleep(self._interval)

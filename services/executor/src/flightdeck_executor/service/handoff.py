"""Hand-off mode: admin's commands become FlyteWorkflow objects for a real flytepropeller,
which runs the workflow and reports its events to the control plane itself.

``ExecutionCreated`` makes the run's namespace (if new) and creates the object; one already
there is the same run's (a redelivered command), so it counts as done. ``TerminateExecution``
deletes the object; propeller's finalizer turns that into an abort it reports. A missing object
counts as deleted. Failures raise, and the command intake retries them or sets them aside.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import compiler_pb2, literals_pb2

from flightdeck_executor.domain.flyteworkflow import (
    HandoffOptions,
    TaskResources,
    build_flyteworkflow,
)
from flightdeck_executor.domain.flyteworkflow_spec import JsonObject
from flightdeck_executor.service import metrics
from flightdeck_executor.service.cluster_resources import ClusterResources
from flightdeck_executor.service.ports import Cluster, NamespaceMissing
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_storage import ObjectStore

_log = logging.getLogger("flightdeck.executor.handoff")


@dataclass(frozen=True)
class HandoffConfig:
    delete_on_termination: bool = True
    offload_closure: bool = False
    offload_inputs: bool = False
    event_version: int = 2
    role_annotation_key: str = ""
    console_url: str = ""
    task_resources: TaskResources = field(default_factory=TaskResources)


class Handoff:
    def __init__(
        self,
        cluster: Cluster,
        blobs: ObjectStore,
        resources: ClusterResources,
        config: HandoffConfig,
        cluster_pools: Iterable[str] = ("",),
    ) -> None:
        self._cluster = cluster
        self._blobs = blobs
        self._resources = resources
        self._config = config
        self._pools = frozenset(cluster_pools)

    async def created(self, command: executions_pb2.ExecutionCreated, partition: int) -> bool:
        """False when the run belongs to another cluster pool's executor."""
        if command.spec.cluster_assignment.cluster_pool_name not in self._pools:
            return False
        execution = command.execution_id
        namespace = await self._resources.ensure(execution.project, execution.domain)
        body = await self._build(command, namespace)
        try:
            created = await self._cluster.create_workflow(namespace, body)
        except NamespaceMissing:
            self._resources.forget(namespace)  # so the retry makes it again
            raise
        metrics.HANDOFFS.labels("create", "created" if created else "already_exists").inc()
        _log.info(
            "%s FlyteWorkflow %s/%s",
            "created" if created else "found existing",
            namespace,
            execution.name,
        )
        return True

    async def termination_requested(
        self, command: executions_pb2.ExecutionTerminationRequested
    ) -> None:
        execution = command.execution_id
        namespace = self._resources.namespace(execution.project, execution.domain)
        if not self._config.delete_on_termination:
            metrics.HANDOFFS.labels("delete", "kept").inc()
            _log.warning(
                "termination of %s/%s not handed on (delete_on_termination is off)",
                namespace,
                execution.name,
            )
            return
        deleted = await self._cluster.delete_workflow(namespace, execution.name)
        metrics.HANDOFFS.labels("delete", "deleted" if deleted else "not_found").inc()
        _log.info(
            "%s FlyteWorkflow %s/%s (%s)",
            "deleted" if deleted else "no",
            namespace,
            execution.name,
            command.cause,
        )

    async def _build(self, command: executions_pb2.ExecutionCreated, namespace: str) -> JsonObject:
        config = self._config
        # The closure is read even when offloaded: labels and node defaults come from it.
        closure = await self._closure(command.compiled_workflow_uri)
        offload_inputs = config.offload_inputs and bool(command.inputs_uri)
        inputs = None if offload_inputs else await self._inputs(command.inputs_uri)
        options = HandoffOptions(
            namespace=namespace,
            event_version=config.event_version,
            role_annotation_key=config.role_annotation_key,
            task_resources=config.task_resources,
            console_url=config.console_url,
            closure_reference=command.compiled_workflow_uri if config.offload_closure else "",
            inputs_reference=command.inputs_uri if offload_inputs else "",
        )
        return build_flyteworkflow(command, closure, inputs, options)

    async def _closure(self, uri: str) -> compiler_pb2.CompiledWorkflowClosure:
        stored = admin_workflow_pb2.WorkflowClosure()
        stored.ParseFromString(await self._blobs.read(self._blobs.key_of(uri)))
        return stored.compiled_workflow

    async def _inputs(self, uri: str) -> literals_pb2.LiteralMap:
        if not uri:
            return literals_pb2.LiteralMap()
        return literals_pb2.LiteralMap.FromString(await self._blobs.read(self._blobs.key_of(uri)))

"""An execution after its creation (admin.md §3.4, §3.5): RelaunchExecution, RecoverExecution,
TerminateExecution, UpdateExecution and ListExecutions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeAlias

from flyteidl.admin import common_pb2, execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from flightdeck_admin.domain import executions_launch, executions_lifecycle, outbox
from flightdeck_admin.domain.errors import MissingField
from flightdeck_admin.domain.executions_launch import ExecutionRecord
from flightdeck_admin.service.executions import Executions, ExecutionStore
from flightdeck_admin.service.outbox import Outbox
from flightdeck_storage import ObjectStore, literals

ExecutionId: TypeAlias = identifier_pb2.WorkflowExecutionIdentifier


class ExecutionLifecycle:
    def __init__(
        self,
        store: ExecutionStore,
        executions: Executions,
        deliveries: Outbox,
        blobs: ObjectStore,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._executions = executions
        self._outbox = deliveries
        self._blobs = blobs
        self._clock = clock

    async def relaunch(
        self, request: execution_pb2.ExecutionRelaunchRequest, principal: str = ""
    ) -> ExecutionId:
        """``principal``: the caller, who is the new execution's principal (not the original's),
        as the full CreateExecution path records it."""
        original = await self._original(request.id)
        inputs = await self._user_inputs(original, legacy=True)
        created = executions_lifecycle.relaunch_request(original.execution, inputs, request)
        return await self._executions.create(created, principal=principal)

    async def recover(
        self, request: execution_pb2.ExecutionRecoverRequest, principal: str = ""
    ) -> ExecutionId:
        """The executor learns the original's id as the source of reusable node results; the
        caller is the new execution's principal."""
        original = await self._original(request.id)
        inputs = await self._user_inputs(original, legacy=False)
        created = executions_lifecycle.recover_request(original.execution, inputs, request)
        return await self._executions.create(
            created, recovery_source=request.id, principal=principal
        )

    async def _original(self, execution_id: ExecutionId) -> ExecutionRecord:
        executions_launch.require_execution_id(execution_id)
        return await self._store.get(execution_id)

    async def _user_inputs(self, record: ExecutionRecord, legacy: bool) -> literals_pb2.LiteralMap:
        """What the user gave the original; relaunch falls back to the legacy spec field."""
        if record.user_inputs_uri:
            key = self._blobs.key_of(record.user_inputs_uri)
            return await literals.read_literal_map(self._blobs, key)
        if legacy:
            return record.execution.spec.inputs
        return literals_pb2.LiteralMap()

    async def terminate(self, execution_id: ExecutionId, cause: str, principal: str = "") -> None:
        """ABORTING with the cause recorded, and a termination request for the executor;
        terminating an ABORTING execution again is allowed, a finished one is not."""
        executions_launch.require_execution_id(execution_id)
        phase = await self._store.phase(execution_id)
        if executions_lifecycle.is_terminal(phase):
            raise executions_lifecycle.already_terminal(phase)
        now = self._clock()
        abort = executions_lifecycle.abort_metadata(cause, principal)
        message = outbox.termination_requested(execution_id, abort, now)
        if not await self._store.request_abort(execution_id, abort, message, now):
            phase = await self._store.phase(execution_id)
            raise executions_lifecycle.already_terminal(phase)
        await self._outbox.try_deliver(execution_id, [message])

    async def update(
        self, request: execution_pb2.ExecutionUpdateRequest, principal: str = ""
    ) -> None:
        executions_launch.require_execution_id(request.id)
        change = executions_lifecycle.state_change(request.state, self._clock(), principal)
        await self._store.update_state(request.id, change, self._clock())

    async def list(self, request: common_pb2.ResourceListRequest) -> execution_pb2.ExecutionList:
        for part in ("project", "domain"):
            if not getattr(request.id, part):
                raise MissingField(part)
        filters = executions_lifecycle.listing_filters(request.filters)
        found, token = await self._store.list_page(request, filters)
        return execution_pb2.ExecutionList(
            executions=[executions_lifecycle.listed(execution) for execution in found],
            token=token,
        )

"""The in-memory ExecutionStore: the fake the use-case tests run on, held to the same contract
as the Mongo store."""

from __future__ import annotations

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2

from flightdeck_admin.domain.executions_launch import (
    ExecutionRecord,
    execution_exists,
    execution_not_found,
)

_Key = tuple[str, str, str]


def _key(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> _Key:
    return (execution_id.project, execution_id.domain, execution_id.name)


class InMemoryExecutionStore:
    def __init__(self) -> None:
        self._records: dict[_Key, ExecutionRecord] = {}

    async def insert(self, record: ExecutionRecord) -> None:
        key = _key(record.execution.id)
        if key in self._records:
            raise execution_exists(record.execution.id)
        self._records[key] = self._copy(record)

    async def get(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier
    ) -> ExecutionRecord:
        try:
            return self._copy(self._records[_key(execution_id)])
        except KeyError:
            raise execution_not_found(execution_id) from None

    @staticmethod
    def _copy(record: ExecutionRecord) -> ExecutionRecord:
        """Callers may mutate what they get; the stored record must not change with it."""
        execution = execution_pb2.Execution()
        execution.CopyFrom(record.execution)
        return ExecutionRecord(
            execution, record.inputs_uri, record.user_inputs_uri, record.pending_messages
        )

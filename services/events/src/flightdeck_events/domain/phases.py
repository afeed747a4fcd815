"""Phase vocabulary of the three event-driven entities (admin.md §4.1).

The terminal sets come from ``flightdeck_records`` (which stores phases by name) so the writer and
the readers can never disagree about which phases end an entity.
"""

from __future__ import annotations

from flyteidl.core import execution_pb2

from flightdeck_records import executions, node_executions, task_executions

WorkflowPhase = execution_pb2.WorkflowExecution.Phase
NodePhase = execution_pb2.NodeExecution.Phase
TaskPhase = execution_pb2.TaskExecution.Phase

WORKFLOW_TERMINAL = frozenset(WorkflowPhase.Value(name) for name in executions.TERMINAL_PHASES)
"""SUCCEEDED, FAILED, TIMED_OUT, ABORTED; ABORTING is not terminal."""

NODE_TERMINAL = frozenset(NodePhase.Value(name) for name in node_executions.TERMINAL_PHASES)
"""SUCCEEDED, FAILED, TIMED_OUT, ABORTED, SKIPPED, RECOVERED."""

TASK_TERMINAL = frozenset(TaskPhase.Value(name) for name in task_executions.TERMINAL_PHASES)
"""SUCCEEDED, FAILED, ABORTED; RETRYABLE_FAILED is not terminal (another attempt follows)."""


def workflow_phase_name(phase: int) -> str:
    return WorkflowPhase.Name(phase)  # type: ignore[arg-type]


def node_phase_name(phase: int) -> str:
    return NodePhase.Name(phase)  # type: ignore[arg-type]


def task_phase_name(phase: int) -> str:
    return TaskPhase.Name(phase)  # type: ignore[arg-type]

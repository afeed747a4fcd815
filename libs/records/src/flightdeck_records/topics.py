"""Kafka topics between flightdeck's services. Every topic is keyed by the root workflow
execution (``execution_key``) so one execution's records keep their order."""

from __future__ import annotations

from flyteidl.core import identifier_pb2

EVENTS = "flightdeck.events"
"""EventEnvelope: every event the gateway acknowledged, for the projector."""

EVENTS_DEAD_LETTER = "flightdeck.events.dead-letter"
"""DeadLetter: events the projector had to reject, with the reason."""

EXECUTION_PHASES = "flightdeck.execution-phases"
"""ExecutionPhaseChanged (protobuf): the compact change feed."""

EXECUTION_PHASES_CLOUDEVENTS = "flightdeck.execution-phases.cloudevents"
"""The same feed as CloudEvents 1.0 structured JSON."""

EXECUTOR_COMMANDS = "flightdeck.executor-commands"
"""ExecutorCommand: ExecutionCreated and ExecutionTerminationRequested, from admin's outbox."""


def execution_key(execution_id: identifier_pb2.WorkflowExecutionIdentifier) -> bytes:
    return f"{execution_id.project}/{execution_id.domain}/{execution_id.name}".encode()

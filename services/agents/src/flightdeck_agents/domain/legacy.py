"""The deprecated ExternalPluginService in terms of the AsyncAgentService: its job id is the
agent's resource meta (opaque bytes) in URL-safe base64, and its state is the resource's phase
folded into the five states the old protocol knows."""

from __future__ import annotations

import base64
import binascii

from flyteidl.admin import agent_pb2
from flyteidl.core import execution_pb2
from flyteidl.service import external_plugin_service_pb2 as legacy

from flightdeck_platform import faults

Phase = execution_pb2.TaskExecution

_STATES_BY_PHASE = {
    Phase.QUEUED: legacy.PENDING,
    Phase.WAITING_FOR_RESOURCES: legacy.PENDING,
    Phase.INITIALIZING: legacy.PENDING,
    Phase.RUNNING: legacy.RUNNING,
    Phase.SUCCEEDED: legacy.SUCCEEDED,
    Phase.RETRYABLE_FAILED: legacy.RETRYABLE_FAILURE,
    Phase.FAILED: legacy.PERMANENT_FAILURE,
    Phase.ABORTED: legacy.PERMANENT_FAILURE,
}

# Agents older than the phase field report only the state, whose numbers match the old enum's.
_STATES_BY_STATE = {
    agent_pb2.RETRYABLE_FAILURE: legacy.RETRYABLE_FAILURE,
    agent_pb2.PERMANENT_FAILURE: legacy.PERMANENT_FAILURE,
    agent_pb2.PENDING: legacy.PENDING,
    agent_pb2.RUNNING: legacy.RUNNING,
    agent_pb2.SUCCEEDED: legacy.SUCCEEDED,
}


def job_id(resource_meta: bytes) -> str:
    return base64.urlsafe_b64encode(resource_meta).decode("ascii")


def resource_meta(job: str) -> bytes:
    try:
        return base64.b64decode(job.encode("ascii"), altchars=b"-_", validate=True)
    except (binascii.Error, UnicodeEncodeError) as error:
        raise faults.InvalidField("job_id", "not a job id this service issued") from error


def state_of(resource: agent_pb2.Resource) -> int:
    if resource.phase != Phase.UNDEFINED:
        table, value = _STATES_BY_PHASE, resource.phase
    else:
        table, value = _STATES_BY_STATE, resource.state
    if value not in table:
        raise faults.Internal(f"the agent reported a phase the old protocol cannot say: {value}")
    return table[value]

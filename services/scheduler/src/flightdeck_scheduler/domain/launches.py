"""The execution one tick creates: named after (launch plan version, tick) so that every replica,
a restart or a replay asks for the same name and admin's unique name turns the repeats into
ALREADY_EXISTS.

The name is the reference scheduler's, so a deployment moving from flytescheduler to flightdeck
(or running both for a while) never fires a tick twice: the 64-bit FNV-1 hash of
``project:domain:name:version:<tick in Unix seconds>``, its bytes little-endian, read as the first
half of a UUID whose second half is zero, then ``f`` and the first 19 hex digits of that UUID.
"""

from __future__ import annotations

from datetime import datetime

from flyteidl.admin import execution_pb2
from flyteidl.core import identifier_pb2, literals_pb2

from flightdeck_scheduler.domain.schedules import LaunchPlanKey, Schedule

_FNV_OFFSET_BASIS = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


def fnv1_64(data: bytes) -> int:
    digest = _FNV_OFFSET_BASIS
    for byte in data:
        digest = ((digest * _FNV_PRIME) & _MASK) ^ byte
    return digest


def execution_name(launch_plan: LaunchPlanKey, tick: datetime) -> str:
    lp = launch_plan
    seed = f"{lp.project}:{lp.domain}:{lp.name}:{lp.version}:{int(tick.timestamp())}"
    uuid_hex = fnv1_64(seed.encode()).to_bytes(8, "little").hex() + "0" * 16
    return "f" + uuid_hex[:19]


def launch_request(schedule: Schedule, tick: datetime) -> execution_pb2.ExecutionCreateRequest:
    """CreateExecution for the tick: mode SCHEDULED with the tick as ``scheduled_at``, and the
    tick bound to the kickoff input. The reference binds it only for cron schedules; flightdeck
    binds it for fixed rates too, since admin accepts the argument on both (compatibility
    notes)."""
    lp = schedule.launch_plan
    request = execution_pb2.ExecutionCreateRequest(
        project=lp.project, domain=lp.domain, name=execution_name(lp, tick)
    )
    spec = request.spec
    spec.launch_plan.CopyFrom(
        identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project=lp.project,
            domain=lp.domain,
            name=lp.name,
            version=lp.version,
        )
    )
    spec.metadata.mode = execution_pb2.ExecutionMetadata.SCHEDULED
    spec.metadata.scheduled_at.FromDatetime(tick)
    if schedule.kickoff_input:
        kickoff = literals_pb2.Literal()
        kickoff.scalar.primitive.datetime.FromDatetime(tick)
        request.inputs.literals[schedule.kickoff_input].CopyFrom(kickoff)
    return request

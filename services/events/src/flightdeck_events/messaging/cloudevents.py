"""ExecutionPhaseChanged as a CloudEvents 1.0 structured-mode JSON document."""

from __future__ import annotations

import json

from google.protobuf import json_format

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2

SOURCE = "flightdeck/events-projector"
EVENT_TYPE = "org.flyte.flightdeck.execution.phase_changed.v1"


def cloud_event(change: events_pb2.ExecutionPhaseChanged) -> bytes:
    execution = change.execution_id
    subject = "/".join(
        part
        for part in (execution.project, execution.domain, execution.name, change.node_id)
        if part
    )
    entity = events_pb2.ExecutionPhaseChanged.Entity.Name(change.entity).lower()
    document = {
        "specversion": "1.0",
        # One change per (event, entity): the event id alone names it.
        "id": change.event_id,
        "source": SOURCE,
        "type": EVENT_TYPE,
        "subject": subject,
        "time": change.occurred_at.ToJsonString(),
        "datacontenttype": "application/json",
        "flightdeckentity": entity,
        "data": json_format.MessageToDict(change, preserving_proto_field_name=True),
    }
    return json.dumps(document, separators=(",", ":")).encode()

"""Protobuf ↔ the use cases' values for the DataProxyService messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeAlias

from flyteidl.core import identifier_pb2
from flyteidl.service import dataproxy_pb2
from google.protobuf import duration_pb2, timestamp_pb2

from flightdeck_dataproxy.domain.errors import InvalidField, MissingField
from flightdeck_dataproxy.domain.flyte_urls import NodeRef
from flightdeck_dataproxy.domain.uploads import UploadRequest
from flightdeck_storage import SignedUrl

NANOS_PER_SECOND = 1_000_000_000


ExpiringRequest: TypeAlias = (
    dataproxy_pb2.CreateUploadLocationRequest
    | dataproxy_pb2.CreateDownloadLocationRequest
    | dataproxy_pb2.CreateDownloadLinkRequest
)


def expiry(message: ExpiringRequest) -> timedelta | None:
    """``expires_in`` when the request carries one; a malformed Duration is refused."""
    if not message.HasField("expires_in"):
        return None
    duration: duration_pb2.Duration = message.expires_in
    mixed_signs = duration.seconds * duration.nanos < 0
    if mixed_signs or abs(duration.nanos) >= NANOS_PER_SECOND:
        raise InvalidField("expires_in", "not a valid duration")
    return duration.ToTimedelta()


def timestamp(moment: datetime) -> timestamp_pb2.Timestamp:
    stamp = timestamp_pb2.Timestamp()
    stamp.FromDatetime(moment)
    return stamp


def upload_request(message: dataproxy_pb2.CreateUploadLocationRequest) -> UploadRequest:
    return UploadRequest(
        project=message.project,
        domain=message.domain,
        content_md5=message.content_md5,
        filename=message.filename,
        filename_root=message.filename_root,
        org=message.org,
        expires_in=expiry(message),
        md5_metadata=message.add_content_md5_metadata,
    )


def node_ref(message: dataproxy_pb2.CreateDownloadLinkRequest) -> NodeRef:
    if message.WhichOneof("source") != "node_execution_id":
        raise MissingField("node_execution_id")
    node: identifier_pb2.NodeExecutionIdentifier = message.node_execution_id
    execution = node.execution_id
    return NodeRef(execution.project, execution.domain, execution.name, node.node_id)


def pre_signed(urls: SignedUrl) -> dataproxy_pb2.PreSignedURLs:
    return dataproxy_pb2.PreSignedURLs(signed_url=[urls.url], expires_at=timestamp(urls.expires_at))

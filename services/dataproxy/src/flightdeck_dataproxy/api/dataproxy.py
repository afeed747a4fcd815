"""flyteidl.service.DataProxyService: the four RPCs, each convert → use case → convert."""

from __future__ import annotations

import grpc
from flyteidl.core import literals_pb2
from flyteidl.service import dataproxy_pb2

from flightdeck_dataproxy.api import convert
from flightdeck_dataproxy.domain.errors import InvalidField
from flightdeck_dataproxy.service.data import DataReader
from flightdeck_dataproxy.service.downloads import Downloads
from flightdeck_dataproxy.service.uploads import Uploads

DECK = dataproxy_pb2.ArtifactType.ARTIFACT_TYPE_DECK


class DataProxyApi:
    def __init__(self, uploads: Uploads, downloads: Downloads, data: DataReader) -> None:
        self._uploads = uploads
        self._downloads = downloads
        self._data = data

    async def CreateUploadLocation(
        self, request: dataproxy_pb2.CreateUploadLocationRequest, context: grpc.aio.ServicerContext
    ) -> dataproxy_pb2.CreateUploadLocationResponse:
        found = await self._uploads.create_location(convert.upload_request(request))
        return dataproxy_pb2.CreateUploadLocationResponse(
            signed_url=found.signed_url,
            native_url=found.native_url,
            expires_at=convert.timestamp(found.expires_at),
            headers=found.headers,
        )

    async def CreateDownloadLocation(
        self,
        request: dataproxy_pb2.CreateDownloadLocationRequest,
        context: grpc.aio.ServicerContext,
    ) -> dataproxy_pb2.CreateDownloadLocationResponse:
        signed = await self._downloads.location(request.native_url, convert.expiry(request))
        return dataproxy_pb2.CreateDownloadLocationResponse(
            signed_url=signed.url, expires_at=convert.timestamp(signed.expires_at)
        )

    async def CreateDownloadLink(
        self, request: dataproxy_pb2.CreateDownloadLinkRequest, context: grpc.aio.ServicerContext
    ) -> dataproxy_pb2.CreateDownloadLinkResponse:
        expires_in = convert.expiry(request)
        if request.artifact_type != DECK:
            raise InvalidField("artifact_type", "only ARTIFACT_TYPE_DECK can be linked")
        signed = await self._downloads.deck_link(convert.node_ref(request), expires_in)
        return dataproxy_pb2.CreateDownloadLinkResponse(
            signed_url=[signed.url],
            expires_at=convert.timestamp(signed.expires_at),
            pre_signed_urls=convert.pre_signed(signed),
        )

    async def GetData(
        self, request: dataproxy_pb2.GetDataRequest, context: grpc.aio.ServicerContext
    ) -> dataproxy_pb2.GetDataResponse:
        answer = await self._data.get(request.flyte_url)
        if isinstance(answer, literals_pb2.LiteralMap):
            return dataproxy_pb2.GetDataResponse(literal_map=answer)
        if isinstance(answer, literals_pb2.Literal):
            return dataproxy_pb2.GetDataResponse(literal=answer)
        return dataproxy_pb2.GetDataResponse(pre_signed_urls=convert.pre_signed(answer))

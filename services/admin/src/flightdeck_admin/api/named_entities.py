"""AdminService named entity RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2

from flightdeck_admin.service.named_entities import NamedEntities


class NamedEntitiesApi:
    def __init__(self, named_entities: NamedEntities) -> None:
        self._named_entities = named_entities

    async def GetNamedEntity(
        self, request: common_pb2.NamedEntityGetRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.NamedEntity:
        return await self._named_entities.get(request)

    async def UpdateNamedEntity(
        self, request: common_pb2.NamedEntityUpdateRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.NamedEntityUpdateResponse:
        await self._named_entities.update(request)
        return common_pb2.NamedEntityUpdateResponse()

    async def ListNamedEntities(
        self, request: common_pb2.NamedEntityListRequest, context: grpc.aio.ServicerContext
    ) -> common_pb2.NamedEntityList:
        return await self._named_entities.list(request)

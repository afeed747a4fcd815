"""AdminService description entity RPCs."""

from __future__ import annotations

import grpc
from flyteidl.admin import common_pb2, description_entity_pb2

from flightdeck_admin.service.description_entities import DescriptionEntities


class DescriptionEntitiesApi:
    def __init__(self, description_entities: DescriptionEntities) -> None:
        self._description_entities = description_entities

    async def GetDescriptionEntity(
        self, request: common_pb2.ObjectGetRequest, context: grpc.aio.ServicerContext
    ) -> description_entity_pb2.DescriptionEntity:
        return await self._description_entities.get(request.id)

    async def ListDescriptionEntities(
        self,
        request: description_entity_pb2.DescriptionEntityListRequest,
        context: grpc.aio.ServicerContext,
    ) -> description_entity_pb2.DescriptionEntityList:
        return await self._description_entities.list(request)

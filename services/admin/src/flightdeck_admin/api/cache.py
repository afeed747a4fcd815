"""CacheService (admin.md §10a): the gRPC edge of cache eviction; the REST route
(``DELETE /api/v1/cache/task_executions/...``) comes from the proto's http rule."""

from __future__ import annotations

import grpc

from flightdeck_admin.service.cache_eviction import CacheEviction
from flightdeck_proto.gen.flyteidl.service import cache_pb2


class CacheApi:
    def __init__(self, eviction: CacheEviction) -> None:
        self._eviction = eviction

    async def EvictTaskExecutionCache(
        self, request: cache_pb2.EvictTaskExecutionCacheRequest, context: grpc.aio.ServicerContext
    ) -> cache_pb2.EvictCacheResponse:
        return await self._eviction.evict_task_execution(request)

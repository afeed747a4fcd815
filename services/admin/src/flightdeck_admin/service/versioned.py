"""ListX and ListXIds, shared by tasks, workflows and launch plans (admin.md §5.3, §5.4)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, Protocol, TypeVar

from flyteidl.admin import common_pb2
from google.protobuf.message import Message

from flightdeck_admin.domain import identifiers

Entity = TypeVar("Entity", bound=Message)
EntityList = TypeVar("EntityList", bound=Message)


class VersionedLister(Protocol[Entity]):
    async def list_page(self, request: Any, scope: dict[str, str]) -> tuple[list[Entity], str]: ...

    async def list_ids(
        self, request: Any, scope: dict[str, str]
    ) -> tuple[list[common_pb2.NamedEntityIdentifier], str]: ...


class VersionedListing(Generic[Entity, EntityList]):
    def __init__(
        self,
        store: VersionedLister[Entity],
        make_list: Callable[[list[Entity], str], EntityList],
        view: Callable[[Entity], Entity] = lambda entity: entity,
    ) -> None:
        self._store = store
        self._make_list = make_list
        self._view = view

    async def list(self, request: common_pb2.ResourceListRequest) -> EntityList:
        scope = identifiers.named_scope(request.id.project, request.id.domain, request.id.name)
        entities, token = await self._store.list_page(request, scope)
        return self._make_list([self._view(e) for e in entities], token)

    async def list_ids(
        self, request: common_pb2.NamedEntityIdentifierListRequest
    ) -> common_pb2.NamedEntityIdentifierList:
        scope = identifiers.project_domain_scope(request.project, request.domain)
        names, token = await self._store.list_ids(request, scope)
        return common_pb2.NamedEntityIdentifierList(entities=names, token=token)

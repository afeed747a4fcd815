"""GetData (admin.md §8.3): the data a ``flyte://`` URL names."""

from __future__ import annotations

from typing import TypeAlias

from flyteidl.core import literals_pb2

from flightdeck_dataproxy.domain.errors import InvalidFlyteUrl, UnknownLiteral
from flightdeck_dataproxy.domain.flyte_urls import DataKind, FlyteUrl, parse_flyte_url
from flightdeck_dataproxy.service.downloads import Downloads
from flightdeck_dataproxy.service.ports import ExecutionDataLocator, IoData
from flightdeck_storage import SignedUrl

Answer: TypeAlias = literals_pb2.LiteralMap | literals_pb2.Literal | SignedUrl


class DataReader:
    def __init__(self, executions: ExecutionDataLocator, downloads: Downloads) -> None:
        self._executions = executions
        self._downloads = downloads

    async def get(self, flyte_url: str) -> Answer:
        url = parse_flyte_url(flyte_url)
        if url.kind is DataKind.DECK:
            if url.attempt is not None:
                raise InvalidFlyteUrl(f"decks belong to nodes, not task attempts: [{flyte_url}]")
            return await self._downloads.deck_link(url.node, None)
        return _pick(url, await self._io_data(url))

    async def _io_data(self, url: FlyteUrl) -> IoData:
        if url.attempt is None:
            return await self._executions.node_data(url.node)
        return await self._executions.attempt_data(url.node, url.attempt)


def _pick(url: FlyteUrl, data: IoData) -> Answer:
    literals = data.inputs if url.kind is DataKind.INPUTS else data.outputs
    if not url.literal_name:
        return literals
    if url.literal_name not in literals.literals:
        raise UnknownLiteral(
            f"no {url.kind.name.lower()} literal named [{url.literal_name}] in {url.node}"
        )
    return literals.literals[url.literal_name]

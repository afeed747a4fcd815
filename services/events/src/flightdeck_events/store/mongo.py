"""The MongoDB connection of the events services."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from flightdeck_platform.settings import MongoSettings


def connect(settings: MongoSettings, appname: str) -> AsyncMongoClient:
    """Connects lazily; ``majority`` writes so an acknowledged projection survives a failover."""
    return AsyncMongoClient(
        settings.url,
        appname=appname,
        tz_aware=True,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
        w="majority",
    )


async def ping(client: AsyncMongoClient) -> None:
    await client.admin.command("ping")

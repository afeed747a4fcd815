"""The MongoDB connection; every collection adapter of admin is built on this client."""

from __future__ import annotations

from pymongo import AsyncMongoClient

from flightdeck_platform.settings import MongoSettings


def connect(settings: MongoSettings, appname: str) -> AsyncMongoClient:
    """Connects lazily: the first operation, not this call, reaches the server."""
    return AsyncMongoClient(
        settings.url,
        appname=appname,
        tz_aware=True,
        serverSelectionTimeoutMS=settings.server_selection_timeout_ms,
    )


async def ping(client: AsyncMongoClient) -> None:
    await client.admin.command("ping")

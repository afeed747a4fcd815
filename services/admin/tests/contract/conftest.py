"""Each port's contract runs against the in-memory fake and against real FerretDB."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient
from pymongo.asynchronous.database import AsyncDatabase

from flightdeck_admin.store import indexes


@pytest.fixture
async def mongo_database() -> AsyncIterator[AsyncDatabase]:
    port = os.environ.get("FLIGHTDECK_MONGO_PORT", "27018")
    client: AsyncMongoClient = AsyncMongoClient(
        f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=5000
    )
    database = client[f"contract_{uuid.uuid4().hex[:12]}"]
    await indexes.apply(database)
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()

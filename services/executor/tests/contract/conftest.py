"""The backends of the executor's contract suites: the in-memory fakes always, and real FerretDB
(``deploy/local``) for the tests marked ``integration``, each in a database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator

import pytest
from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

REACH_TIMEOUT_MS = 2000


@pytest.fixture(scope="session")
def ferretdb_url() -> str:
    """The local stack's FerretDB; its tests are skipped (with the reason) only when nothing
    answers there, so a run without the stack still checks the fake."""
    url = f"mongodb://127.0.0.1:{os.environ.get('FLIGHTDECK_MONGO_PORT', '27018')}/"
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=REACH_TIMEOUT_MS)
    try:
        client.admin.command("ping")
    except PyMongoError as error:
        pytest.skip(f"FerretDB is not reachable at {url} ({type(error).__name__})")
    finally:
        client.close()
    return url


@pytest.fixture
async def mongo_database(ferretdb_url: str) -> AsyncIterator[AsyncDatabase]:
    client: AsyncMongoClient = AsyncMongoClient(
        ferretdb_url, serverSelectionTimeoutMS=5000, tz_aware=True
    )
    database = client[f"executor_contract_{uuid.uuid4().hex[:12]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()

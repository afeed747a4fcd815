"""The projector's MongoDB side against real FerretDB (``deploy/local``), each test in a
database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pymongo import AsyncMongoClient, MongoClient, monitoring
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

REACH_TIMEOUT_MS = 2000


class CommandLog(monitoring.CommandListener):
    """The write commands the client sent, as ``(command name, command document)``."""

    WRITES = frozenset({"insert", "update", "delete", "findAndModify"})

    def __init__(self) -> None:
        self.commands: list[tuple[str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name in self.WRITES:
            self.commands.append((event.command_name, dict(event.command)))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


@pytest.fixture(scope="session")
def ferretdb_url() -> str:
    url = f"mongodb://127.0.0.1:{os.environ.get('FLIGHTDECK_MONGO_PORT', '27018')}/"
    client: MongoClient = MongoClient(url, serverSelectionTimeoutMS=REACH_TIMEOUT_MS)
    try:
        client.admin.command("ping")
    except PyMongoError as error:
        pytest.fail(f"FerretDB is not reachable at {url}; run deploy/local/up ({error})")
    finally:
        client.close()
    return url


@pytest.fixture
def command_log() -> CommandLog:
    return CommandLog()


@pytest.fixture
async def mongo_database(
    ferretdb_url: str, command_log: CommandLog
) -> AsyncIterator[AsyncDatabase]:
    client: AsyncMongoClient = AsyncMongoClient(
        ferretdb_url,
        serverSelectionTimeoutMS=5000,
        tz_aware=True,
        event_listeners=[command_log],
    )
    database = client[f"events_contract_{uuid.uuid4().hex[:12]}"]
    try:
        yield database
    finally:
        await client.drop_database(database.name)
        await client.close()

"""Admin keeps serving while Kafka is unreachable (real FerretDB and Kafka): it is ready, accepts
an execution, and reports Kafka as failing without gating on it; once Kafka is reachable again,
the outbox relay publishes the execution's ExecutionCreated."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from pymongo import MongoClient

from .test_execution_outbox import Admin, _free_port, _published, _request
from .test_execution_outbox import _wait_until_nothing_pending as _wait_until_delivered

pytestmark = pytest.mark.integration


class KafkaDoor:
    """A TCP forwarder to the broker on a port of its own, closed until ``open``: admin's
    bootstrap address, so the test decides when Kafka comes back. Only bootstrapping goes
    through it; the broker then advertises its own address."""

    def __init__(self, bootstrap: str) -> None:
        host, port = bootstrap.rsplit(":", 1)
        self._target = (host, int(port))
        self.port = _free_port()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None

    def open(self) -> None:
        self._thread.start()
        listening = asyncio.start_server(self._forward, "127.0.0.1", self.port)
        self._server = asyncio.run_coroutine_threadsafe(listening, self._loop).result()

    def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join()
        self._loop.close()

    async def _forward(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream_reader, upstream_writer = await asyncio.open_connection(*self._target)
        await asyncio.gather(
            self._pump(reader, upstream_writer), self._pump(upstream_reader, writer)
        )

    @staticmethod
    async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError):
            while chunk := await reader.read(65536):
                writer.write(chunk)
                await writer.drain()
        writer.close()


def _readyz(admin: Admin) -> dict[str, object]:
    with urllib.request.urlopen(f"http://127.0.0.1:{admin.http_port}/readyz", timeout=5) as r:
        return dict(json.load(r))


async def test_ready_without_kafka_and_delivers_once_kafka_is_back(
    mongo_url: str,
    kafka_bootstrap: str,
    tmp_path: Path,
    register_runnable: Callable[..., str],
) -> None:
    database = f"kafka_outage_{uuid.uuid4().hex[:10]}"
    storage = tmp_path / "storage"
    storage.mkdir()
    door = KafkaDoor(kafka_bootstrap)
    admin = Admin(mongo_url, f"127.0.0.1:{door.port}", database, storage)
    try:
        admin.start()  # returns once /readyz answers 200
        report = _readyz(admin)
        informational = report["informational"]
        assert isinstance(informational, dict)
        assert informational["kafka"].startswith("failing"), report
        project = register_runnable(admin.stub(), "kafka-down")
        admin.stub().CreateExecution(_request(project, "while-down"), timeout=60)

        door.open()
        _wait_until_delivered(mongo_url, database)
        published = await _published(kafka_bootstrap, project)
        assert [created.execution_id.name for created in published] == ["while-down"]
        assert _readyz(admin)["informational"] == {"kafka": "ok"}
    finally:
        admin.stop()
        door.close()
        with MongoClient(mongo_url) as client:
            client.drop_database(database)

from __future__ import annotations

from typing import Any

import pytest
from flyteidl.admin import common_pb2, project_pb2

from flightdeck_admin.domain.errors import EntityAlreadyExists, EntityNotFound
from flightdeck_admin.store.memory import InMemoryProjectStore
from flightdeck_admin.store.projects import COLLECTION, MongoProjectStore


def _project(name: str = "Flyte Snacks") -> project_pb2.Project:
    return project_pb2.Project(
        id="flytesnacks",
        name=name,
        labels=common_pb2.Labels(values={"team.example.com/owner": "ml"}),
        state=project_pb2.Project.ACTIVE,
        domains=[project_pb2.Domain(id="development", name="development")],
    )


class ProjectStoreContract:
    """What every ProjectStore must do; subclasses supply the backend."""

    async def test_insert_then_get_returns_it_without_domains(self, store: Any) -> None:
        await store.insert(_project())
        stored = await store.get("flytesnacks")
        assert stored.name == "Flyte Snacks"
        assert dict(stored.labels.values) == {"team.example.com/owner": "ml"}
        assert len(stored.domains) == 0

    async def test_second_insert_of_an_id_already_exists(self, store: Any) -> None:
        await store.insert(_project())
        with pytest.raises(EntityAlreadyExists):
            await store.insert(_project("other"))
        assert (await store.get("flytesnacks")).name == "Flyte Snacks"

    async def test_get_and_replace_of_unknown_ids_are_not_found(self, store: Any) -> None:
        with pytest.raises(EntityNotFound, match="absent"):
            await store.get("absent")
        with pytest.raises(EntityNotFound):
            await store.replace(project_pb2.Project(id="absent"))

    async def test_replace_overwrites(self, store: Any) -> None:
        await store.insert(_project())
        await store.replace(_project("Renamed"))
        assert (await store.get("flytesnacks")).name == "Renamed"

    async def test_list_pages_by_identifier_and_hides_archived(self, store: Any) -> None:
        for project_id, state in (
            ("c", 0),
            ("a", 0),
            ("b", project_pb2.Project.ARCHIVED),
            ("d", 0),
        ):
            await store.insert(project_pb2.Project(id=project_id, name=project_id, state=state))
        first, token = await store.list_page(project_pb2.ProjectListRequest(limit=2))
        rest, last = await store.list_page(project_pb2.ProjectListRequest(limit=2, token=token))
        assert [p.id for p in first + rest] == ["a", "c", "d"]
        assert token and not last
        archived, _ = await store.list_page(
            project_pb2.ProjectListRequest(limit=5, filters="eq(state,1)")
        )
        assert [p.id for p in archived] == ["b"]


class TestInMemoryProjectStore(ProjectStoreContract):
    @pytest.fixture
    def store(self) -> InMemoryProjectStore:
        return InMemoryProjectStore()


@pytest.mark.integration
class TestMongoProjectStore(ProjectStoreContract):
    @pytest.fixture
    def store(self, mongo_database: Any) -> MongoProjectStore:
        return MongoProjectStore(mongo_database[COLLECTION])

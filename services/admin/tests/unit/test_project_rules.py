from __future__ import annotations

import pytest
from flyteidl.admin import common_pb2, project_pb2

from flightdeck_admin.domain.errors import InvalidField, MissingField
from flightdeck_admin.domain.projects import merge_update, validate_project


def _project(**fields: object) -> project_pb2.Project:
    return project_pb2.Project(**{"id": "flytesnacks", "name": "snacks", **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize("project_id", ["a", "flyte-snacks", "p1", "x" * 63])
def test_dns_label_ids_are_accepted(project_id: str) -> None:
    validate_project(_project(id=project_id), name_required=True)


@pytest.mark.parametrize("project_id", ["Flyte", "-a", "a-", "a_b", "a.b", "x" * 64, "a b"])
def test_other_ids_are_refused_naming_the_field(project_id: str) -> None:
    with pytest.raises(InvalidField, match="project_id"):
        validate_project(_project(id=project_id), name_required=True)


def test_empty_id_and_missing_name() -> None:
    with pytest.raises(MissingField, match="missing project_id"):
        validate_project(_project(id=""), name_required=True)
    with pytest.raises(MissingField, match="missing project_name"):
        validate_project(_project(name=""), name_required=True)
    validate_project(_project(name=""), name_required=False)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": "n" * 65}, "project_name"),
        ({"description": "d" * 301}, "project_description"),
        ({"labels": common_pb2.Labels(values={"bad key!": "v"})}, "labels"),
        ({"labels": common_pb2.Labels(values={"k": "bad value!"})}, "labels"),
        ({"labels": common_pb2.Labels(values={f"k{i}": "v" for i in range(17)})}, "labels"),
        ({"domains": [project_pb2.Domain(id="development")]}, "project_domains"),
    ],
)
def test_limits_and_labels(fields: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidField, match=field):
        validate_project(_project(**fields), name_required=True)


def test_update_keeps_what_is_not_given_but_always_writes_state() -> None:
    stored = _project(description="old", state=project_pb2.Project.ARCHIVED)
    merged = merge_update(stored, project_pb2.Project(id="flytesnacks", description="new"))
    assert (merged.name, merged.description) == ("snacks", "new")
    assert merged.state == project_pb2.Project.ACTIVE

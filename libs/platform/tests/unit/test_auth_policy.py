"""The per-project policy finds the project wherever a request names it."""

from __future__ import annotations

import pytest
from flyteidl.admin import project_pb2, task_execution_pb2, version_pb2
from flyteidl.core import identifier_pb2

from flightdeck_platform import faults
from flightdeck_platform.auth.policy import authorize_project, project_of
from flightdeck_platform.auth.principal import Principal

EXECUTION = identifier_pb2.WorkflowExecutionIdentifier(project="deep", domain="d", name="n")
TASK_EXECUTION = task_execution_pb2.TaskExecutionGetRequest(
    id=identifier_pb2.TaskExecutionIdentifier(
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            node_id="n0", execution_id=EXECUTION
        )
    )
)


def test_the_project_is_found_at_any_depth_and_in_project_messages() -> None:
    assert project_of(TASK_EXECUTION) == "deep"
    assert project_of(project_pb2.ProjectGetRequest(id="p1")) == "p1"
    assert project_of(version_pb2.GetVersionRequest()) == ""


def test_only_a_token_with_projects_is_limited() -> None:
    limited = Principal("ci", claims={"projects": ["mine"]})
    with pytest.raises(faults.PermissionDenied, match="deep"):
        authorize_project("/m", limited, TASK_EXECUTION)
    authorize_project("/m", limited, version_pb2.GetVersionRequest())
    authorize_project("/m", Principal("ops"), TASK_EXECUTION)

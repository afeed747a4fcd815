"""Where admin keeps its blobs (the reference's layout, admin.md §0.4), as keys relative to the
store. Execution data sits under ``metadata/``, closures under the full ``metadata/admin/``."""

from __future__ import annotations

from flightdeck_storage.keys import join_key

METADATA = "metadata"
ADMIN = "admin"


def workflow_closure(project: str, domain: str, name: str, version: str) -> str:
    return join_key(METADATA, ADMIN, project, domain, name, version)


def execution_data(project: str, domain: str, execution: str, item: str) -> str:
    """``item``: ``inputs`` (after defaults), ``user_inputs`` or ``offloaded_outputs``."""
    return join_key(METADATA, project, domain, execution, item)


def execution_launch_data(project: str, domain: str, execution: str, launch: str, item: str) -> str:
    """What one CreateExecution call wrote before its record (``inputs``, ``user_inputs``,
    ``workflow_closure``), under ``launch``, an id of that call: two calls racing for one name
    each write their own, so the loser cannot clobber what the winner's record points to."""
    return join_key(METADATA, project, domain, execution, f"launch-{launch}", item)


def node_offloaded(project: str, domain: str, execution: str, node_id: str, item: str) -> str:
    """``item``: ``offloaded_inputs`` or ``offloaded_outputs``."""
    return join_key(METADATA, project, domain, execution, node_id, item)


def task_attempt_offloaded(
    project: str,
    domain: str,
    execution: str,
    node_id: str,
    task: tuple[str, str, str, str],
    retry: int,
    item: str,
) -> str:
    """``task`` is (project, domain, name, version) of the task that ran."""
    return join_key(METADATA, project, domain, execution, node_id, *task, str(retry), item)


def dynamic_workflow_closure(
    project: str, domain: str, execution: str, node_id: str, task: tuple[str, str, str, str]
) -> str:
    return join_key(METADATA, ADMIN, project, domain, execution, node_id, "_".join(task))

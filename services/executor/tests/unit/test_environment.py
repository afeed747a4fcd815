"""The task process environment and command line (spec/executor.md §1.3)."""

from __future__ import annotations

from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2

from flightdeck_executor.domain.environment import in_own_directory, task_environment


def test_an_absolute_fast_execute_destination_becomes_the_attempts_own_directory() -> None:
    argv = ["pyflyte-fast-execute", "--additional-distribution", "s3://b/f.tar.gz",
            "--dest-dir", "/root", "--", "pyflyte-execute", "--inputs", "x"]  # fmt: skip
    assert in_own_directory(argv)[4] == "."
    relative = ["pyflyte-fast-execute", "--dest-dir", "."]
    assert in_own_directory(relative) == relative


def test_later_sources_win_and_array_elements_know_their_index() -> None:
    template = tasks_pb2.TaskTemplate(
        id=identifier_pb2.Identifier(project="p", domain="d", name="t", version="v"),
        container=tasks_pb2.Container(env=[literals_pb2.KeyValuePair(key="A", value="template")]),
    )
    execution = identifier_pb2.WorkflowExecutionIdentifier(project="p", domain="d", name="e")
    env = task_environment(template, execution, "wf", 2, {"A": "execution"}, {}, array_index=4)
    assert env["A"] == "execution"
    assert env["FLYTE_ATTEMPT_NUMBER"] == "2"
    assert env["FLYTE_INTERNAL_EXECUTION_WORKFLOW"] == "p:d:wf"
    assert env["FLYTE_INTERNAL_TASK_NAME"] == "t"
    assert env["FLYTE_K8S_ARRAY_INDEX"] == "4"
    assert env["BATCH_JOB_ARRAY_INDEX_VAR_NAME"] == "FLYTE_K8S_ARRAY_INDEX"

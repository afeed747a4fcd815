"""`pyflyte register` (fast registration) against the running system: flytekit asks the data
proxy for an upload location, PUTs its code archive with Content-MD5 to the signed URL through
the edge, then registers the task and workflow with admin."""

from __future__ import annotations

import base64
import hashlib
import tarfile
import uuid
from pathlib import Path

import grpc
import pytest
import testkit
from flyteidl.admin import common_pb2, project_pb2
from flyteidl.core import identifier_pb2
from flyteidl.service import admin_pb2_grpc

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
STORE_ROOT = REPO / "var" / "storage"
WORKFLOW_MODULE = """
from flytekit import task, workflow


@task
def double(x: int) -> int:
    return x * 2


@workflow
def twice(x: int = 1) -> int:
    return double(x=double(x=x))
"""


def _register_project(edge_grpc_target: str, project: str) -> None:
    with grpc.insecure_channel(edge_grpc_target) as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RegisterProject(
            project_pb2.ProjectRegisterRequest(
                project=project_pb2.Project(id=project, name=project)
            )
        )


def _pyflyte_register(tmp_path: Path, edge_grpc_target: str, project: str) -> str:
    config = f"admin:\n  endpoint: dns:///{edge_grpc_target}\n  insecure: true\n"
    return testkit.pyflyte_register(tmp_path, config, project, "regflows", WORKFLOW_MODULE)


def _get(edge_grpc_target: str, project: str, kind: int, name: str):  # type: ignore[no-untyped-def]
    ident = identifier_pb2.Identifier(
        resource_type=kind, project=project, domain="development", name=name, version="v1"
    )
    with grpc.insecure_channel(edge_grpc_target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        request = common_pb2.ObjectGetRequest(id=ident)
        if kind == identifier_pb2.TASK:
            return admin.GetTask(request)
        return admin.GetWorkflow(request)


def _archive_of(task_args: list[str]) -> Path:
    """The fast-registration archive the task will download: its native file:// URL."""
    urls = [a for a in task_args if a.startswith("file://")]
    assert len(urls) == 1, task_args
    return Path(urls[0].removeprefix("file://"))


def test_pyflyte_register_uploads_the_archive_and_registers(
    edge_grpc_target: str, tmp_path: Path
) -> None:
    project = f"reg-{uuid.uuid4().hex[:10]}"
    _register_project(edge_grpc_target, project)

    _pyflyte_register(tmp_path, edge_grpc_target, project)

    task = _get(edge_grpc_target, project, identifier_pb2.TASK, "regflows.flows.double")
    workflow = _get(edge_grpc_target, project, identifier_pb2.WORKFLOW, "regflows.flows.twice")
    assert task.id.name == "regflows.flows.double"
    assert workflow.id.name == "regflows.flows.twice"
    archive = _archive_of(list(task.closure.compiled_task.template.container.args))
    assert archive.is_relative_to(STORE_ROOT.resolve())
    assert archive.parent.parent == STORE_ROOT.resolve() / project / "development"
    # The folder is the base32 of the MD5 flytekit computed and sent with CreateUploadLocation;
    # the bytes that landed must have exactly that MD5.
    landed_md5 = hashlib.md5(archive.read_bytes()).digest()
    assert archive.parent.name == base64.b32encode(landed_md5).decode()
    with tarfile.open(archive) as packaged:
        names = packaged.getnames()
        flows = packaged.extractfile(next(n for n in names if n.endswith("regflows/flows.py")))
        assert flows is not None
        assert flows.read().decode() == WORKFLOW_MODULE

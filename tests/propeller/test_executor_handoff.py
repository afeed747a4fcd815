"""The executor in hand-off mode against a real kube-apiserver v1.34.2: a real executor process
consuming its commands from real Kafka (its own topic) and keeping dead letters in real
FerretDB (its own database), acting in the cluster with a ServiceAccount token bound only to
deploy/k8s/rbac/executor-handoff.yaml. It creates one FlyteWorkflow per run however often the
command comes, makes each project-domain's namespace and `default` ServiceAccount, and deletes
the object on termination.

Its own control plane (etcd + apiserver, no propeller): a propeller would pick the objects up
and report runs admin never heard of. The edge is a small AdminService that answers
ListProjects, so the project sync's input is known."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import grpc
import pytest
import testkit
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from flyteidl.admin import project_pb2, task_pb2
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc
from google.protobuf import json_format
from pymongo import AsyncMongoClient

from flightdeck_compiler import compile_workflow, identifier_key
from flightdeck_executor.domain.flyteworkflow import HandoffOptions, build_flyteworkflow
from flightdeck_proto.gen.flightdeck.internal.v1 import executions_pb2
from flightdeck_records import topics

pytestmark = [pytest.mark.propeller, pytest.mark.integration]

REPO = Path(__file__).resolve().parents[2]
RBAC = REPO / "deploy" / "k8s" / "rbac" / "executor-handoff.yaml"
FIXTURES = REPO.parent / "shared" / "fixtures" / "out"
ACCOUNT_NAMESPACE, ACCOUNT = "flightdeck", "flightdeck-executor"
PROJECT, DOMAIN = "handoff", "development"
WAIT_SECONDS = 60.0
FLYTEWORKFLOWS = "/apis/flyte.lyft.com/v1alpha1/namespaces/{ns}/flyteworkflows/{name}"


def _cluster_module() -> ModuleType:
    """deploy/local/kube/cluster.py, as tests/propeller/conftest.py loads it."""
    return testkit.load_script("kube_cluster", REPO / "deploy" / "local" / "kube" / "cluster.py")


@pytest.fixture(scope="module")
def apiserver() -> Iterator[Any]:
    """etcd + kube-apiserver with the FlyteWorkflow CRD and the executor's RBAC, no propeller."""
    with _cluster_module().running(propeller=False) as cluster:
        cluster.kube.apply_manifest(RBAC)
        yield cluster


PAGES = {"": (["alpha", "gamma"], "page-2"), "page-2": (["beta"], "")}
"""ListProjects' pages by token: (project names, next token)."""


class ProjectsOnly(admin_pb2_grpc.AdminServiceServicer):
    """ListProjects over two pages, one project archived; nothing else is served."""

    async def ListProjects(self, request: Any, context: Any) -> project_pb2.Projects:
        names, token = PAGES[request.token]
        projects = []
        for name in names:
            project = project_pb2.Project(id=name, name=name)
            project.domains.extend(
                project_pb2.Domain(id=d, name=d) for d in ("development", "production")
            )
            if name == "gamma":
                project.state = project_pb2.Project.ARCHIVED
            projects.append(project)
        return project_pb2.Projects(projects=projects, token=token)


@pytest.fixture
async def edge() -> AsyncIterator[str]:
    server = grpc.aio.server()
    admin_pb2_grpc.add_AdminServiceServicer_to_server(ProjectsOnly(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"127.0.0.1:{port}"
    await server.stop(grace=None)


@dataclass
class Isolated:
    topic_prefix: str
    topic: str
    group: str
    database_name: str
    database: Any
    kafka: str
    mongo: str


@pytest.fixture
async def isolated() -> AsyncIterator[Isolated]:
    setting = _cluster_module().stack_setting
    kafka = f"127.0.0.1:{setting('FLIGHTDECK_KAFKA_PORT')}"
    mongo = f"mongodb://127.0.0.1:{setting('FLIGHTDECK_MONGO_PORT')}/?directConnection=true"
    run = uuid.uuid4().hex[:8]
    prefix = f"test-{run}."
    topic = prefix + topics.EXECUTOR_COMMANDS
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    client: AsyncMongoClient = AsyncMongoClient(mongo, tz_aware=True)
    name = f"executor_handoff_{run}"
    try:
        # One partition: commands are handled in the order they are produced.
        await admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
        yield Isolated(prefix, topic, f"test-handoff-{run}", name, client[name], kafka, mongo)
    finally:
        await admin.delete_topics([topic])
        await admin.close()
        await client.drop_database(name)
        await client.close()


def _compiled_closure() -> admin_workflow_pb2.WorkflowClosure:
    """flytekit's wf_simple, compiled by flightdeck's compiler as admin stores it."""
    manifest = json.loads((FIXTURES / "manifest.json").read_text())

    def ident(fields: dict[str, Any]) -> identifier_pb2.Identifier:
        return json_format.ParseDict(fields, identifier_pb2.Identifier())

    entry = next(e for e in manifest if e["id"]["name"] == "sample_workflows.wf_simple")
    spec = admin_workflow_pb2.WorkflowSpec.FromString((FIXTURES / entry["file"]).read_bytes())
    spec.template.id.CopyFrom(ident(entry["id"]))
    tasks = {}
    for task in manifest:
        if task["kind"] == "task":
            template = task_pb2.TaskSpec.FromString((FIXTURES / task["file"]).read_bytes()).template
            tasks[identifier_key(template.id)] = template
    wanted = {identifier_key(ident(t)) for t in entry["required_tasks"]}
    closure = admin_workflow_pb2.WorkflowClosure()
    closure.compiled_workflow.CopyFrom(
        compile_workflow(spec, {k: v for k, v in tasks.items() if k in wanted}, {})
    )
    return closure


def _store_run(storage: Path, name: str) -> executions_pb2.ExecutionCreated:
    """The blobs admin writes before it publishes the command, in a local object store."""
    run_dir = storage / "metadata" / PROJECT / DOMAIN / name
    run_dir.mkdir(parents=True)
    (run_dir / "closure").write_bytes(_compiled_closure().SerializeToString())
    inputs = literals_pb2.LiteralMap()
    inputs.literals["a"].scalar.primitive.integer = 3
    (run_dir / "inputs").write_bytes(inputs.SerializeToString())
    created = executions_pb2.ExecutionCreated(
        message_id=f"created-{name}",
        execution_id=_execution(name),
        compiled_workflow_uri=f"file://{run_dir}/closure",
        inputs_uri=f"file://{run_dir}/inputs",
    )
    created.accepted_at.GetCurrentTime()
    return created


def _execution(name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
    return identifier_pb2.WorkflowExecutionIdentifier(project=PROJECT, domain=DOMAIN, name=name)


async def _produce(isolated: Isolated, *commands: executions_pb2.ExecutorCommand) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=isolated.kafka, acks="all")
    await producer.start()
    try:
        for command in commands:
            inner = getattr(command, command.WhichOneof("command") or "")
            key = topics.execution_key(inner.execution_id)
            await producer.send_and_wait(
                isolated.topic, command.SerializeToString(), key=key, partition=0
            )
    finally:
        await producer.stop()


def _created(command: executions_pb2.ExecutionCreated) -> executions_pb2.ExecutorCommand:
    return executions_pb2.ExecutorCommand(created=command)


def _terminate(name: str) -> executions_pb2.ExecutorCommand:
    return executions_pb2.ExecutorCommand(
        termination_requested=executions_pb2.ExecutionTerminationRequested(
            message_id=f"terminate-{name}", execution_id=_execution(name), cause="stop it"
        )
    )


def _start_executor(
    isolated: Isolated, kubeconfig: Path, edge: str, work: Path
) -> subprocess.Popen[bytes]:
    prefix = "FLIGHTDECK_EXECUTOR_"
    env = {
        **os.environ,
        f"{prefix}MODE": "handoff",
        f"{prefix}HANDOFF__KUBE_CONFIG": str(kubeconfig),
        f"{prefix}HANDOFF__PROJECT_SYNC_INTERVAL_SECONDS": "1",
        f"{prefix}SERVER__HTTP_PORT": "0",
        f"{prefix}LOGGING__FORMAT": "text",
        f"{prefix}KAFKA__BOOTSTRAP_SERVERS": isolated.kafka,
        f"{prefix}MONGO__URL": isolated.mongo,
        f"{prefix}MONGO__DATABASE": isolated.database_name,
        f"{prefix}COMMANDS__TOPIC_PREFIX": isolated.topic_prefix,
        f"{prefix}COMMANDS__CONSUMER_GROUP": isolated.group,
        f"{prefix}COMMANDS__MAX_ATTEMPTS": "3",
        f"{prefix}WORK_DIR": str(work / "work"),
        f"{prefix}STORAGE__LOCAL_ROOT": str(work / "storage"),
        f"{prefix}STORAGE__SIGNING__SECRET": "test-only-signing-secret",
        f"{prefix}CONTROL_PLANE__TARGET": edge,
    }
    with (work / "executor.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "flightdeck_executor"], env=env, stdout=log, stderr=log
        )


_stop = testkit.stop


class Waiter:
    def __init__(self, apiserver: Any, executor: subprocess.Popen[bytes], log: Path) -> None:
        self.kube = apiserver.kube
        self.executor = executor
        self.log = log

    def get(self, path: str) -> dict[str, Any] | None:
        response = self.kube.request("GET", path)
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def until(self, what: str, probe: Any) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            assert self.executor.poll() is None, self.log.read_text()[-4000:]
            result = probe()
            if result:
                return result
            await asyncio.sleep(0.25)
        raise AssertionError(
            f"{what} not seen in {WAIT_SECONDS:.0f}s\n{self.log.read_text()[-4000:]}"
        )

    def workflow(self, name: str) -> dict[str, Any] | None:
        return self.get(FLYTEWORKFLOWS.format(ns=f"{PROJECT}-{DOMAIN}", name=name))


def _allowed(apiserver: Any, verb: str, resource: str, group: str = "") -> bool:
    review = apiserver.kube.checked(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": f"system:serviceaccount:{ACCOUNT_NAMESPACE}:{ACCOUNT}",
                "resourceAttributes": {
                    "group": group,
                    "resource": resource,
                    "verb": verb,
                    "namespace": f"{PROJECT}-{DOMAIN}",
                },
            },
        },
    )
    return bool(review["status"]["allowed"])


@pytest.mark.timeout(3600)  # a cold machine builds the apiserver first
async def test_handoff_creates_one_object_per_run_makes_namespaces_and_deletes_on_termination(
    apiserver: Any, isolated: Isolated, edge: str, tmp_path: Path
) -> None:
    storage = tmp_path / "storage"
    storage.mkdir()
    first, second, third = (_store_run(storage, n) for n in ("run-1", "run-2", "run-3"))
    kubeconfig = apiserver.service_account_kubeconfig(ACCOUNT_NAMESPACE, ACCOUNT)
    await _produce(isolated, _created(first))
    executor = _start_executor(isolated, kubeconfig, edge, tmp_path)
    waiter = Waiter(apiserver, executor, tmp_path / "executor.log")
    try:
        made = await waiter.until("run-1's FlyteWorkflow", lambda: waiter.workflow("run-1"))
        # A redelivered command, then another run: once run-2 is there the duplicate before
        # it on the partition was handled, and it changed nothing.
        await _produce(isolated, _created(first), _created(second))
        await waiter.until("run-2's FlyteWorkflow", lambda: waiter.workflow("run-2"))
        again = waiter.workflow("run-1")
        assert again is not None
        assert again["metadata"]["uid"] == made["metadata"]["uid"]
        assert again["metadata"]["resourceVersion"] == made["metadata"]["resourceVersion"]

        assert made["kind"] == "FlyteWorkflow"
        assert made["metadata"]["labels"]["execution-id"] == "run-1"
        assert made["metadata"]["labels"]["workflow-name"] == "sample-workflows-wf-simple"
        assert made["metadata"]["finalizers"] == ["flyte.org/finalizer"]
        assert made["inputs"] == {"literals": {"a": {"scalar": {"primitive": {"integer": "3"}}}}}
        assert set(made["spec"]["nodes"]) >= {"start-node", "end-node"}
        assert made["tasks"] and made["executionId"]["name"] == "run-1"

        # The run's own namespace, and every active project's from the sync (two pages).
        expected = {
            f"{PROJECT}-{DOMAIN}",
            "alpha-development",
            "alpha-production",
            "beta-development",
            "beta-production",
        }

        def accounts_made() -> bool:
            return all(
                waiter.get(f"/api/v1/namespaces/{ns}/serviceaccounts/default") for ns in expected
            )

        await waiter.until("the namespaces and their default accounts", accounts_made)
        assert waiter.get("/api/v1/namespaces/gamma-development") is None  # archived

        # Termination deletes: propeller's finalizer (nobody here to remove it) keeps the
        # object, marked for deletion. A termination of a run never created is no failure.
        await _produce(isolated, _terminate("run-1"), _terminate("never-created"))
        await _produce(isolated, _created(third))
        await waiter.until("run-3's FlyteWorkflow", lambda: waiter.workflow("run-3"))
        deleted = waiter.workflow("run-1")
        assert deleted is None or deleted["metadata"].get("deletionTimestamp")
        assert waiter.workflow("run-2") and not waiter.workflow("run-2")["metadata"].get(
            "deletionTimestamp"
        )
        letters = [d async for d in isolated.database["executor_dead_letters"].find({})]
        assert letters == []
    finally:
        _stop(executor)

    # The account has what hand-off touches and nothing more.
    assert _allowed(apiserver, "create", "flyteworkflows", "flyte.lyft.com")
    assert _allowed(apiserver, "delete", "flyteworkflows", "flyte.lyft.com")
    assert not _allowed(apiserver, "list", "flyteworkflows", "flyte.lyft.com")
    assert not _allowed(apiserver, "update", "flyteworkflows", "flyte.lyft.com")
    assert not _allowed(apiserver, "create", "pods")
    assert not _allowed(apiserver, "delete", "namespaces")


@pytest.mark.timeout(600)
async def test_propeller_decodes_the_built_object_and_takes_it_up(
    apiserver: Any, edge: str, tmp_path: Path
) -> None:
    """flytepropeller v1.16.8 (Go's decoder, its own types) reads every part of a built object:
    one field it cannot decode would fail its informer's list and it would never touch it. It
    then starts the run, which shows in the object's status; its events go to the small edge,
    which refuses them, so the run gets no further, and that is not what this test is about."""
    module = _cluster_module()
    options = module.PropellerOptions(admin_endpoint=edge)
    if not module.port_open(module._host_port(options.s3_endpoint)):
        pytest.fail(f"no S3 store at {options.s3_endpoint} (deploy/local/up s3)")
    apiserver.start_propeller(options)
    namespace, name = "wire-development", f"wire-{uuid.uuid4().hex[:6]}"
    apiserver.kube.ensure_service_account(namespace, "default")
    command = _store_run(tmp_path, name)
    command.execution_id.project, command.execution_id.domain = "wire", "development"
    command.spec.labels.values["team"] = "ml"
    command.spec.max_parallelism = 4
    command.spec.security_context.run_as.k8s_service_account = "default"
    command.spec.raw_output_data_config.output_location_prefix = f"s3://{options.bucket}/raw"
    closure = _compiled_closure().compiled_workflow
    inputs = literals_pb2.LiteralMap()
    inputs.literals["a"].scalar.primitive.integer = 3
    body = build_flyteworkflow(command, closure, inputs, HandoffOptions(namespace=namespace))
    apiserver.kube.checked(
        "POST", f"/apis/flyte.lyft.com/v1alpha1/namespaces/{namespace}/flyteworkflows", body
    )
    path = FLYTEWORKFLOWS.format(ns=namespace, name=name)

    def taken_up() -> dict[str, Any] | None:
        apiserver.check_alive()
        status = apiserver.kube.checked("GET", path).get("status") or {}
        return status if status.get("phase") or status.get("failedAttempts") else None

    deadline = time.monotonic() + WAIT_SECONDS
    status = taken_up()
    while status is None and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        status = taken_up()
    log = [line.get("msg", "") for line in apiserver.propeller_log_lines()]
    # A field Go cannot decode fails the informer's list ("failed to list ... cannot unmarshal").
    undecodable = [m for m in log if "unmarshal" in m.lower() or "failed to list" in m.lower()]
    assert not undecodable, undecodable
    assert status is not None, "propeller never updated the object's status\n" + "\n".join(
        log[-40:]
    )

"""Authentication on, end to end, as a new user meets it: the services `FLIGHTDECK_AUTH=1 make run`
starts (admin with the built-in server, events gateway, dataproxy, signals, agents, executor),
on spare ports behind an nginx edge of their own rendered from the same template, beside the
shared stack. The shared projector projects their events (same Kafka topics and database);
their executor runs only the cluster pool of this module's project, keeps its runs in a
database of its own and reads commands in a consumer group of its own, so neither executor
touches the other's runs.

flytekit with ``authType: ClientSecret`` registers and runs workflows to SUCCEEDED, which
needs every internal call (executor → edge for events and gates, dataproxy → admin) to carry
its service account's token; runs, relaunches and aborts record the client as their principal;
every RPC each process serves (read from its reflection) refuses a missing, expired,
wrong-audience, wrongly signed or malformed token while the same claims correctly signed pass,
every REST route answers 401, and the anonymous surface answers without a token.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import IO, Any

import grpc
import httpx
import jwt
import pymongo
import pytest
import testkit
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flyteidl.admin import (
    cluster_assignment_pb2,
    execution_pb2,
    matchable_resource_pb2,
    project_domain_attributes_pb2,
    project_pb2,
    signal_pb2,
)
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.service import admin_pb2_grpc, dataproxy_pb2, dataproxy_pb2_grpc, signal_pb2_grpc
from google.protobuf import descriptor_pool
from google.protobuf.descriptor import FieldDescriptor, MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from grpc_health.v1 import health_pb2
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

import flightdeck_proto.services
from flightdeck_platform.auth.fetch import metadata_value
from flightdeck_proto import routes

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
SERVED = ("admin", "events-gateway", "dataproxy", "signals", "agents", "executor")
MOVED = tuple(
    f"FLIGHTDECK_{name}_"
    for name in (
        "EDGE", "ADMIN", "EVENTS_GATEWAY", "EVENTS_PROJECTOR", "DATAPROXY", "SIGNALS",
        "EXECUTOR", "SCHEDULER", "NOTIFICATIONS", "AGENTS", "CONSOLE",
    )
)  # fmt: skip
"""The ports.env keys this stack moves to spare ports (Kafka, FerretDB, Redis stay shared)."""
POOL = "auth-e2e"
CLIENT = "flytepropeller"
"""The client a new user takes from the README (its secret: var/auth/clients/flytepropeller)."""
DOMAIN = "development"
RUN_DEADLINE_SECONDS = 300
ANONYMOUS_SERVICES = {"flyteidl.service.AuthMetadataService"}
OPEN_HTTP = (
    "/.well-known/oauth-authorization-server",
    "/config/v1/flyte_client",
    "/oauth2/jwks",
    "/healthcheck",
)


@dataclass
class AuthStack:
    ports: dict[str, str]
    keys_dir: Path
    runs_database: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: list[IO[bytes]] = field(default_factory=list)

    def port(self, key: str) -> int:
        return int(self.ports[key])

    @property
    def grpc_target(self) -> str:
        return f"127.0.0.1:{self.ports['FLIGHTDECK_EDGE_GRPC_PORT']}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['FLIGHTDECK_EDGE_HTTP_PORT']}"

    def secret_file(self, client: str = CLIENT) -> Path:
        return REPO / "var" / "auth" / "clients" / client

    def token(self) -> str:
        """A client-credentials token from the built-in server, through the edge."""
        secret = self.secret_file().read_text().strip()
        basic = base64.b64encode(f"{CLIENT}:{secret}".encode()).decode()
        answer = httpx.post(
            f"{self.http_url}/oauth2/token",
            data={"grant_type": "client_credentials", "scope": "all"},
            headers={"Authorization": f"Basic {basic}"},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])


def _spare_ports(launcher: ModuleType) -> dict[str, str]:
    keys = [k for k in launcher.ports() if k.startswith(MOVED) and k.endswith("_PORT")]
    chosen: set[int] = set()
    while len(chosen) < len(keys):
        chosen.add(testkit.free_port())
    return dict(zip(keys, map(str, sorted(chosen)), strict=True))


def _extra_env(service: Any, stack: AuthStack) -> dict[str, str]:
    prefix = service.env_prefix
    if service.name == "admin":
        return {f"{prefix}AUTH__ISSUER_SERVER__SIGNING_KEYS_DIR": str(stack.keys_dir)}
    if service.name == "executor":
        return {
            f"{prefix}COMMANDS__CONSUMER_GROUP": f"flightdeck-executor-{POOL}",
            f"{prefix}COMMANDS__CLUSTER_POOLS": json.dumps([POOL]),
            f"{prefix}MONGO__DATABASE": stack.runs_database,
        }
    return {}


def _start(stack: AuthStack, launcher: ModuleType, services: list[Any], log_dir: Path) -> None:
    for service in services:
        env = {**launcher.service_env(service, "json"), **_extra_env(service, stack)}
        log = open(log_dir / f"test-auth-{service.name}.log", "ab")  # noqa: SIM115
        stack.logs.append(log)
        stack.processes[service.name] = subprocess.Popen(
            [sys.executable, "-m", service.module],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    launcher.wait_ready(tuple(services), stack.processes)


def _stop(stack: AuthStack, mongo_url: str) -> None:
    for process in stack.processes.values():
        testkit.stop(process, grace_seconds=20)
    for log in stack.logs:
        log.close()
    with pymongo.MongoClient(mongo_url, serverSelectionTimeoutMS=5000) as client:
        client.drop_database(stack.runs_database)


@pytest.fixture(scope="module")
def auth_stack(
    running_system: dict[str, str],
    local_launcher: ModuleType,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[AuthStack]:
    stack = AuthStack(
        _spare_ports(local_launcher),
        tmp_path_factory.mktemp("signing-keys"),
        f"flightdeck_auth_e2e_{uuid.uuid4().hex[:8]}",
    )
    log_dir = REPO / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    mongo_url = f"mongodb://127.0.0.1:{running_system['FLIGHTDECK_MONGO_PORT']}/"
    try:
        with pytest.MonkeyPatch.context() as patch:
            for key, value in {
                **stack.ports,
                "FLIGHTDECK_AUTH": "1",
                "FLIGHTDECK_REPLICAS": "1",
            }.items():
                patch.setenv(key, value)
            services = [s for s in local_launcher.SERVICES if s.name in SERVED]
            edge_dir = tmp_path_factory.mktemp("edge")
            stack.processes["edge"] = testkit.start_edge(
                edge_dir, dict(os.environ), stack.port("FLIGHTDECK_EDGE_GRPC_PORT")
            )
            # Admin first: it generates the signing key and the service accounts' secrets.
            _start(stack, local_launcher, services[:1], log_dir)
            _start(stack, local_launcher, services[1:], log_dir)
        yield stack
    finally:
        _stop(stack, mongo_url)


# Calls with a token -------------------------------------------------------------------------


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


@pytest.fixture(scope="module")
def project(auth_stack: AuthStack) -> str:
    """A project of its own whose executions go to this stack's executor (its cluster pool)."""
    name = f"auth-{uuid.uuid4().hex[:10]}"
    token = _bearer(auth_stack.token())
    with grpc.insecure_channel(auth_stack.grpc_target) as channel:
        admin = admin_pb2_grpc.AdminServiceStub(channel)
        admin.RegisterProject(
            project_pb2.ProjectRegisterRequest(project=project_pb2.Project(id=name, name=name)),
            metadata=token,
        )
        assignment = cluster_assignment_pb2.ClusterAssignment(cluster_pool_name=POOL)
        admin.UpdateProjectDomainAttributes(
            project_domain_attributes_pb2.ProjectDomainAttributesUpdateRequest(
                attributes=project_domain_attributes_pb2.ProjectDomainAttributes(
                    project=name,
                    domain=DOMAIN,
                    matching_attributes=matchable_resource_pb2.MatchingAttributes(
                        cluster_assignment=assignment
                    ),
                )
            ),
            metadata=token,
        )
    return name


@dataclass
class Client:
    """What a new user has: flytekit's config with the client secret, and the same account's
    tokens on raw stubs through the edge."""

    stack: AuthStack
    project: str
    config: Path

    def pyflyte_run(self, workflow: str, *inputs: str, wait: bool) -> str:
        script = REPO / "examples" / "workflows.py"
        return testkit.pyflyte_run_remote(
            self.config, self.project, DOMAIN, script, workflow, *inputs, wait=wait
        )

    def id(self, name: str) -> identifier_pb2.WorkflowExecutionIdentifier:
        return identifier_pb2.WorkflowExecutionIdentifier(
            project=self.project, domain=DOMAIN, name=name
        )

    def channel(self) -> grpc.Channel:
        """A channel whose every call carries a fresh token of the client."""
        token = self.stack.token()
        bearer = grpc.access_token_call_credentials(token)
        credentials = grpc.composite_channel_credentials(grpc.local_channel_credentials(), bearer)
        return grpc.secure_channel(self.stack.grpc_target, credentials)

    def execution(self, name: str) -> execution_pb2.Execution:
        with self.channel() as channel:
            return admin_pb2_grpc.AdminServiceStub(channel).GetExecution(
                execution_pb2.WorkflowExecutionGetRequest(id=self.id(name))
            )

    def wait_phase(self, name: str, phase: str) -> execution_pb2.Execution:
        def reached() -> execution_pb2.Execution | None:
            execution = self.execution(name)
            return (
                execution
                if core.WorkflowExecution.Phase.Name(execution.closure.phase) == phase
                else None
            )

        return testkit.wait_for(reached, RUN_DEADLINE_SECONDS, f"{name} to be {phase}")

    def wait_signal(self, name: str) -> signal_pb2.Signal:
        """The run's gate, once the executor created it (GetOrCreateSignal, as its account)."""
        request = signal_pb2.SignalListRequest(workflow_execution_id=self.id(name), limit=10)

        def created() -> signal_pb2.Signal | None:
            with self.channel() as channel:
                listed = signal_pb2_grpc.SignalServiceStub(channel).ListSignals(request)
            return listed.signals[0] if listed.signals else None

        return testkit.wait_for(created, RUN_DEADLINE_SECONDS, f"the gate of {name}")


@pytest.fixture(scope="module")
def client(auth_stack: AuthStack, project: str, tmp_path_factory: pytest.TempPathFactory) -> Client:
    config = tmp_path_factory.mktemp("flytekit") / "config.yaml"
    config.write_text(
        "admin:\n"
        f"  endpoint: dns:///{auth_stack.grpc_target}\n"
        "  insecure: true\n"
        "  authType: ClientSecret\n"
        f"  clientId: {CLIENT}\n"
        f"  clientSecretLocation: {auth_stack.secret_file()}\n"
    )
    return Client(auth_stack, project, config)


def test_flytekit_with_a_client_secret_runs_a_workflow_and_is_its_principal(
    client: Client,
) -> None:
    name = client.pyflyte_run("quickstart", "--name", "auth", wait=True)
    execution = client.execution(name)
    with client.channel() as channel:
        # The data proxy reads the execution's records from admin as its own account.
        data = dataproxy_pb2_grpc.DataProxyServiceStub(channel).GetData(
            dataproxy_pb2.GetDataRequest(
                flyte_url=f"flyte://v1/{client.project}/{DOMAIN}/{name}/n0/o"
            )
        )
    assert core.WorkflowExecution.Phase.Name(execution.closure.phase) == "SUCCEEDED"
    assert execution.spec.metadata.principal == CLIENT
    assert execution.closure.state_change_details.principal == CLIENT
    assert data.literal_map.literals["o0"].scalar.primitive.string_value == "Hello, auth!"


def test_a_gate_set_by_the_user_opens_and_a_relaunch_and_abort_are_the_callers(
    client: Client,
) -> None:
    name = client.pyflyte_run("gated", "--x", "2", wait=False)
    gate = client.wait_signal(name)
    with client.channel() as channel:
        signal_pb2_grpc.SignalServiceStub(channel).SetSignal(
            signal_pb2.SignalSetRequest(id=gate.id, value=_integer(3))
        )
    done = client.wait_phase(name, "SUCCEEDED")
    assert done.spec.metadata.principal == CLIENT

    again = f"r{uuid.uuid4().hex[:12]}"
    with client.channel() as channel:
        admin_pb2_grpc.AdminServiceStub(channel).RelaunchExecution(
            execution_pb2.ExecutionRelaunchRequest(id=client.id(name), name=again)
        )
    client.wait_signal(again)
    with client.channel() as channel:
        admin_pb2_grpc.AdminServiceStub(channel).TerminateExecution(
            execution_pb2.ExecutionTerminateRequest(id=client.id(again), cause="enough")
        )
    aborted = client.wait_phase(again, "ABORTED")
    assert aborted.spec.metadata.mode == execution_pb2.ExecutionMetadata.RELAUNCH
    assert aborted.spec.metadata.principal == CLIENT
    assert (aborted.closure.abort_metadata.cause, aborted.closure.abort_metadata.principal) == (
        "enough",
        CLIENT,
    )


def _integer(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def test_me_names_the_caller_and_needs_a_token(auth_stack: AuthStack) -> None:
    me = httpx.get(
        f"{auth_stack.http_url}/me",
        headers={"Authorization": f"Bearer {auth_stack.token()}"},
        timeout=10,
    )
    assert me.status_code == 200, me.text
    assert me.json()["subject"] == CLIENT
    assert httpx.get(f"{auth_stack.http_url}/me", timeout=10).status_code == 401


# Refused tokens -----------------------------------------------------------------------------


def _signing_key(stack: AuthStack) -> rsa.RSAPrivateKey:
    (path,) = sorted(stack.keys_dir.glob("*.pem"))
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _tokens(stack: AuthStack) -> dict[str, str | None]:
    """A real token's claims re-signed: unchanged (accepted, the control), and each way a token
    must be refused. ``None``: no authorization header at all."""
    real = stack.token()
    kid = jwt.get_unverified_header(real)["kid"]
    claims = jwt.decode(real, options={"verify_signature": False})
    key = _signing_key(stack)
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())

    def signed(changes: dict[str, Any], by: rsa.RSAPrivateKey = key) -> str:
        return jwt.encode({**claims, **changes}, by, algorithm="RS256", headers={"kid": kid})

    return {
        "valid": signed({}),
        "missing": None,
        "expired": signed({"iat": now - 7200, "exp": now - 3600}),
        "wrong audience": signed({"aud": ["https://elsewhere.invalid"]}),
        "wrongly signed": signed({}, stranger),
        "malformed": "not.a.jwt",
    }


def _served(stack: AuthStack, grpc_port: int, token: str) -> list[ServiceDescriptor]:
    """What a process serves, from its reflection service (which itself needs a token)."""
    with grpc.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        (answer,) = stub.ServerReflectionInfo(iter([request]), metadata=_bearer(token))
    names = [s.name for s in answer.list_services_response.service]
    pool = descriptor_pool.Default()
    assert health_pb2.DESCRIPTOR.services_by_name["Health"].full_name in names
    return [pool.FindServiceByName(name) for name in names]


def _call(channel: grpc.Channel, method: MethodDescriptor, token: str | None) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    metadata = _bearer(token) if token is not None else None
    kind = {
        (False, False): channel.unary_unary,
        (False, True): channel.unary_stream,
        (True, False): channel.stream_unary,
        (True, True): channel.stream_stream,
    }[(method.client_streaming, method.server_streaming)]
    call = kind(path)
    request: Any = iter([b""]) if method.client_streaming else b""
    try:
        answer = call(request, timeout=10, metadata=metadata)
        if method.server_streaming:
            for _ in answer:
                break
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


GRPC_PROCESSES = {
    "admin": "FLIGHTDECK_ADMIN_GRPC_PORT",
    "events-gateway": "FLIGHTDECK_EVENTS_GATEWAY_GRPC_PORT",
    "dataproxy": "FLIGHTDECK_DATAPROXY_GRPC_PORT",
    "signals": "FLIGHTDECK_SIGNALS_GRPC_PORT",
    "agents": "FLIGHTDECK_AGENTS_GRPC_PORT",
}


def test_every_rpc_of_every_service_refuses_every_bad_token(auth_stack: AuthStack) -> None:
    tokens = _tokens(auth_stack)
    wrong: list[str] = []
    checked = 0
    for process, port_key in GRPC_PROCESSES.items():
        port = auth_stack.port(port_key)
        services = _served(auth_stack, port, str(tokens["valid"]))
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            for service in services:
                for method in service.methods:
                    anonymous = service.full_name in ANONYMOUS_SERVICES
                    for kind, token in tokens.items():
                        code = _call(channel, method, token)
                        checked += 1
                        refused = code == grpc.StatusCode.UNAUTHENTICATED
                        if refused != (kind != "valid" and not anonymous):
                            wrong.append(f"{process} {service.name}/{method.name} {kind}: {code}")
    assert wrong == [], "\n".join(wrong)
    assert checked > 500


def test_every_rpc_through_the_edge_refuses_a_missing_token(auth_stack: AuthStack) -> None:
    """The edge routes by path: each method reaches the process that serves it."""
    wrong = []
    with grpc.insecure_channel(auth_stack.grpc_target) as channel:
        for service in _all_services():
            for method in service.methods:
                code = _call(channel, method, None)
                expected = (
                    grpc.StatusCode.OK
                    if service.full_name in ANONYMOUS_SERVICES
                    else grpc.StatusCode.UNAUTHENTICATED
                )
                if code != expected:
                    wrong.append(f"{service.name}/{method.name}: {code}")
    assert wrong == [], "\n".join(wrong)


def _all_services() -> list[ServiceDescriptor]:
    return [definition.descriptor for definition in flightdeck_proto.services.ALL]


def _value(request: type[Message], variable: str) -> str:
    """A value the gateway parses for the request field ``variable`` (``id.project``): ``1``
    reads as a string, an integer or an enum number; bytes are base64."""
    descriptor = request.DESCRIPTOR
    for name in variable.partition("=")[0].split("."):
        field = descriptor.fields_by_name[name]
        descriptor = field.message_type
    return "AQID" if field.type == FieldDescriptor.TYPE_BYTES else "1"


def _path(request: type[Message], template: str) -> str:
    """A concrete path for a route template, so the gateway reaches the call rather than
    refusing the path itself."""
    return re.sub(r"\{([^}]*)\}", lambda m: _value(request, m.group(1)), template)


def test_every_rest_route_answers_401_without_a_good_token(auth_stack: AuthStack) -> None:
    tokens = _tokens(auth_stack)
    wrong = []
    checked = 0
    with httpx.Client(base_url=auth_stack.http_url, timeout=10) as http:
        for service in _all_services():
            for route in routes.routes_of(service):
                if route.streaming or service.full_name in ANONYMOUS_SERVICES:
                    continue
                for binding in route.bindings:
                    path = _path(route.input_type, binding.path_template)
                    for kind, token in tokens.items():
                        if kind == "valid":
                            continue
                        headers = {"Authorization": f"Bearer {token}"} if token else {}
                        body = b"{}" if binding.body else None
                        answer = http.request(binding.verb, path, headers=headers, content=body)
                        checked += 1
                        if answer.status_code != 401:
                            wrong.append(f"{binding.verb} {path} {kind}: {answer.status_code}")
    assert wrong == [], "\n".join(wrong)
    assert checked > 100


def test_the_anonymous_surface_answers_without_a_token(auth_stack: AuthStack) -> None:
    with httpx.Client(base_url=auth_stack.http_url, timeout=10) as http:
        statuses = {path: http.get(path).status_code for path in OPEN_HTTP}
        metadata = http.get("/.well-known/oauth-authorization-server").json()
    assert statuses == dict.fromkeys(OPEN_HTTP, 200)
    assert metadata_value(metadata, "token_endpoint") == f"{auth_stack.http_url}/oauth2/token"

"""The notifications service as deployed (deploy/local/services.py) against the running system,
with a real SMTP server (aiosmtpd, STARTTLS required, login required, a certificate made here)
and a real HTTP receiver standing in for Slack's incoming webhook: a run that fails, with an
email rule and a Slack rule on FAILED and an email rule on SUCCEEDED, sends exactly one email
naming the execution and its error and posts exactly once, even when the feed delivers the
failure twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import ipaddress
import json
import ssl
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
import testkit
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from flyteidl.admin import common_pb2, event_pb2, execution_pb2
from flyteidl.core import execution_pb2 as core
from flyteidl.core import identifier_pb2, literals_pb2
from flyteidl.event import event_pb2 as events
from flyteidl.service import admin_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from flightdeck_proto.gen.flightdeck.internal.v1 import events_pb2
from flightdeck_records import topics

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

DOMAIN = "development"
LAUNCH_PLAN = "sample_workflows.wf_simple"
USER, PASSWORD = "flightdeck", "s3cret"
ERROR = "task t_add failed: division by zero"


_free_port = testkit.free_port


def _certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the service trusts it through email.ca_file."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "smtp.crt", directory / "smtp.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class Mailbox:
    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def _authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok)


@pytest.fixture
def smtp_server(tmp_path: Path) -> Iterator[tuple[Mailbox, int, Path]]:
    cert, key = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox, port = Mailbox(), _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        yield mailbox, port, cert
    finally:
        controller.stop()


class _Hook(BaseHTTPRequestHandler):
    posts: list[dict[str, Any]]

    def do_POST(self) -> None:
        length = int(self.headers["Content-Length"])
        self.server.posts.append(  # type: ignore[attr-defined]
            {"path": self.path, "body": json.loads(self.rfile.read(length))}
        )
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slack_receiver() -> Iterator[tuple[list[dict[str, Any]], int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    server.posts = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.posts, server.server_address[1]  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


async def _start_group_at_the_end(bootstrap: str, topic: str, group: str) -> None:
    """Commits the feed's end for the new group: it starts at ``latest``, which a consumer
    resolves only once it has partitions, after this test's failure may already be there."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        ends = await consumer.end_offsets(partitions)
        consumer.assign(partitions)
        await consumer.commit(dict(ends))
    finally:
        await consumer.stop()


@dataclass
class NotificationsProcess:
    url: str
    process: subprocess.Popen[bytes]

    def counter(self, name: str, **labels: str) -> float:
        text = httpx.get(f"{self.url}/metrics", timeout=5).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(text)
            for sample in family.samples
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items())
        )


@pytest.fixture
def notifications(
    running_system: dict[str, str],
    local_launcher: ModuleType,
    smtp_server: tuple[Mailbox, int, Path],
    slack_receiver: tuple[list[dict[str, Any]], int],
    wait_for: Callable[..., object],
) -> Iterator[NotificationsProcess]:
    service = next(s for s in local_launcher.SERVICES if s.name == "notifications")
    bootstrap = f"127.0.0.1:{running_system['FLIGHTDECK_KAFKA_PORT']}"
    group = f"test-notifications-{uuid.uuid4().hex[:10]}"
    asyncio.run(_start_group_at_the_end(bootstrap, topics.EXECUTION_PHASES, group))
    _, smtp_port, cert = smtp_server
    port, p = _free_port(), service.env_prefix
    env = local_launcher.service_env(service, "json")
    env.update(
        {
            f"{p}SERVER__HTTP_PORT": str(port),
            f"{p}PHASE_FEED__CONSUMER_GROUP": group,
            f"{p}QUEUE__KEY_PREFIX": f"test:notifications:{group}",
            f"{p}EMAIL__SMTP_HOST": "127.0.0.1",
            f"{p}EMAIL__SMTP_PORT": str(smtp_port),
            f"{p}EMAIL__SECURITY": "starttls",
            f"{p}EMAIL__USERNAME": USER,
            f"{p}EMAIL__PASSWORD": PASSWORD,
            f"{p}EMAIL__CA_FILE": str(cert),
            f"{p}EMAIL__SENDER": "flyte@example.com",
            f"{p}SLACK__DEFAULT_WEBHOOK_URL": f"http://127.0.0.1:{slack_receiver[1]}/hook",
        }
    )
    log_dir = Path(__file__).resolve().parents[2] / "var" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"test-notifications-{port}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", service.module], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    started = NotificationsProcess(f"http://127.0.0.1:{port}", process)
    try:
        ready = f"{started.url}/readyz"
        wait_for(lambda: local_launcher.answers(ready) == 200, 60, "the notifications service")
        yield started
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _rule(phase: int, kind: str, recipient: str) -> common_pb2.Notification:
    rule = common_pb2.Notification(phases=[phase])
    getattr(rule, kind).recipients_email.append(recipient)
    return rule


def _fail(
    admin: admin_pb2_grpc.AdminServiceStub, run: identifier_pb2.WorkflowExecutionIdentifier
) -> None:
    """What propeller reports for a run that fails: RUNNING, then FAILED with its error."""
    for phase in (core.WorkflowExecution.RUNNING, core.WorkflowExecution.FAILED):
        event = events.WorkflowExecutionEvent(
            execution_id=run, producer_id="propeller", phase=phase
        )
        event.occurred_at.GetCurrentTime()
        if phase == core.WorkflowExecution.FAILED:
            event.error.CopyFrom(core.ExecutionError(code="USER", message=ERROR))
        admin.CreateWorkflowEvent(
            event_pb2.WorkflowExecutionEventRequest(request_id=uuid.uuid4().hex, event=event)
        )


async def _replay_failure(bootstrap: str, run: identifier_pb2.WorkflowExecutionIdentifier) -> None:
    """The feed delivering the failure once more, as after a projector replay."""
    change = events_pb2.ExecutionPhaseChanged(
        event_id=uuid.uuid4().hex,
        entity=events_pb2.ExecutionPhaseChanged.WORKFLOW,
        execution_id=run,
        phase="FAILED",
        previous_phase="RUNNING",
        terminal=True,
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        key = topics.execution_key(run)
        await producer.send_and_wait(topics.EXECUTION_PHASES, change.SerializeToString(), key=key)
    finally:
        await producer.stop()


def test_a_failed_run_sends_one_email_and_one_slack_post(
    admin: admin_pb2_grpc.AdminServiceStub,
    runnable_project: Callable[[str], str],
    notifications: NotificationsProcess,
    smtp_server: tuple[Mailbox, int, Path],
    slack_receiver: tuple[list[dict[str, Any]], int],
    running_system: dict[str, str],
    wait_for: Callable[..., object],
) -> None:
    mailbox, posts = smtp_server[0], slack_receiver[0]
    project = runnable_project("notify")
    spec = execution_pb2.ExecutionSpec(
        launch_plan=identifier_pb2.Identifier(
            resource_type=identifier_pb2.LAUNCH_PLAN,
            project=project,
            domain=DOMAIN,
            name=LAUNCH_PLAN,
            version="v1",
        )
    )
    spec.notifications.notifications.extend(
        [
            _rule(core.WorkflowExecution.FAILED, "email", "oncall@example.com"),
            _rule(core.WorkflowExecution.FAILED, "slack", "alerts@team.slack.com"),
            _rule(core.WorkflowExecution.SUCCEEDED, "email", "happy@example.com"),
        ]
    )
    inputs = literals_pb2.LiteralMap()
    inputs.literals["a"].scalar.primitive.integer = 3
    created = admin.CreateExecution(
        execution_pb2.ExecutionCreateRequest(
            project=project,
            domain=DOMAIN,
            name=f"n{uuid.uuid4().hex[:12]}",
            spec=spec,
            inputs=inputs,
        )
    )
    run = created.id
    _fail(admin, run)

    wait_for(lambda: mailbox.messages and posts, 90, "the email and the Slack post", 0.5)
    asyncio.run(_replay_failure(f"127.0.0.1:{running_system['FLIGHTDECK_KAFKA_PORT']}", run))
    wait_for(
        lambda: (
            notifications.counter(
                "flightdeck_notifications_feed_records_total", outcome="duplicate"
            )
            >= 1
        ),
        60,
        "the replayed failure to be recognised",
        0.5,
    )
    wait_for(
        lambda: notifications.counter("flightdeck_notifications_pending") == 0,
        60,
        "the queue to drain",
        0.5,
    )

    assert len(mailbox.messages) == 1 and len(posts) == 1
    recipients, email = mailbox.messages[0]
    assert recipients == ["oncall@example.com"]
    assert email["From"] == "flyte@example.com"
    assert run.name in email["Subject"] and "failed" in email["Subject"]
    body = email.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert ERROR in body and run.name in body
    assert f"/projects/{project}/domains/{DOMAIN}/executions/{run.name}" in body
    assert posts[0]["path"] == "/hook"
    text = posts[0]["body"]["text"]
    assert run.name in text and ERROR in text
    assert notifications.counter("flightdeck_notifications_sent_total", channel="email") == 1
    assert notifications.counter("flightdeck_notifications_sent_total", channel="slack") == 1

#!/usr/bin/env python3
"""A real Kubernetes control plane and a real flytepropeller on loopback, for the propeller tests.

`start()` builds (once; deploy/local/kube/build caches the binaries under var/kube/bin) and starts
etcd, kube-apiserver (RBAC, a static admin token, ServiceAccount tokens signed by a generated key)
and flytepropeller v1.16.8, which reports to flightdeck's edge and stores data in the S3 store of
deploy/local/components/s3.sh. No kubelet, scheduler or controller-manager: pods stay Pending until
a test marks them otherwise, and a new namespace has no `default` ServiceAccount until someone
creates it. Every port is picked free, so parallel sessions do not collide; each instance lives in
var/kube/run/<owner pid>-<n>/ (certificates, kubeconfigs, configs, logs, etcd's data).

Run it by hand to get a cluster for a while (Ctrl-C stops it):
    uv run --frozen python deploy/local/kube/cluster.py
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime
import ipaddress
import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
BIN_DIR = REPO / "var" / "kube" / "bin"
RUN_ROOT = REPO / "var" / "kube" / "run"
CRD_MANIFEST = REPO / "deploy" / "k8s" / "crds" / "flyteworkflow.yaml"
PROPELLER_RBAC = HERE / "propeller-rbac.yaml"
PROPELLER_CONFIG = HERE / "propeller.yaml.tmpl"
PORTS_FILE = HERE.parent / "ports.env"
SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local"
PROPELLER_NAMESPACE, PROPELLER_ACCOUNT = "flyte", "flytepropeller"
# deploy/local/components/s3.sh's defaults, overridden by the same variables.
S3_DEFAULTS = {
    "FLIGHTDECK_S3_PORT": "18333",
    "FLIGHTDECK_S3_ACCESS_KEY": "flightdeck",
    "FLIGHTDECK_S3_SECRET_KEY": "flightdeck-local-secret",
}
BUILD_TIMEOUT_SECONDS = 3600.0
START_TIMEOUT_SECONDS = 90.0


class ClusterError(RuntimeError):
    """A part of the cluster did not build or start; the message names its log."""


# --- settings ------------------------------------------------------------------------------


def stack_setting(name: str) -> str:
    """A port or credential of the local stack: the environment, else its script's default."""
    if name in os.environ:
        return os.environ[name]
    if name in S3_DEFAULTS:
        return S3_DEFAULTS[name]
    defaults: dict[str, str] = dict(
        re.findall(r':\s*"\$\{(\w+):=([^}]*)\}"', PORTS_FILE.read_text())
    )
    return defaults[name]


@dataclass(frozen=True)
class PropellerOptions:
    """What propeller is pointed at; the defaults are the local stack's."""

    admin_endpoint: str = field(
        default_factory=lambda: f"127.0.0.1:{stack_setting('FLIGHTDECK_EDGE_GRPC_PORT')}"
    )
    s3_endpoint: str = field(
        default_factory=lambda: f"http://127.0.0.1:{stack_setting('FLIGHTDECK_S3_PORT')}"
    )
    s3_access_key: str = field(default_factory=lambda: stack_setting("FLIGHTDECK_S3_ACCESS_KEY"))
    s3_secret_key: str = field(default_factory=lambda: stack_setting("FLIGHTDECK_S3_SECRET_KEY"))
    bucket: str = "flightdeck"
    cluster_id: str = "propeller"
    limit_namespace: str = "all"
    raw_output_policy: str = "inline"
    """Outputs in propeller's events: ``inline`` (the literals) or ``reference`` (a URI in
    propeller's store, which flightdeck reads only when its storage is that bucket; the test
    suite's services keep theirs on local disk)."""


# --- processes -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(address: tuple[str, int]) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(address, timeout=1):
        return True
    return False


def build(names: Iterable[str] = ()) -> None:
    """The binaries, built only when their pinned versions changed (deploy/local/kube/build)."""
    result = subprocess.run(
        [str(HERE / "build"), *names], timeout=BUILD_TIMEOUT_SECONDS, check=False
    )
    if result.returncode != 0:
        raise ClusterError("deploy/local/kube/build failed (its log is in var/log/kube-build-*)")


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def check_alive(self) -> None:
        if self.popen.poll() is not None:
            tail = self.log.read_text(errors="replace").splitlines()[-30:]
            raise ClusterError(
                f"{self.name} exited with {self.popen.returncode}; {self.log}:\n" + "\n".join(tail)
            )

    def stop(self, grace: float = 15.0) -> None:
        """SIGTERM to its process group (each runs in its own session), SIGKILL after grace."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(10)


def spawn(name: str, argv: list[str], instance: Path) -> Process:
    log = instance / f"{name}.log"
    with log.open("ab") as out:
        popen = subprocess.Popen(
            argv,
            cwd=instance,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    with (instance / "pids").open("a") as pids:
        pids.write(f"{popen.pid}\n")
    return Process(name, popen, log)


def wait_until(what: str, ready: Any, processes: Iterable[Process], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for process in processes:
            process.check_alive()
        if time.monotonic() > deadline:
            raise ClusterError(f"{what} not ready after {timeout:.0f}s")
        time.sleep(0.2)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def reap_stale_instances() -> None:
    """Stops what a killed session left (its instance dir names a dead owner), then removes it.
    A process is stopped only when its command line names that instance dir."""
    if not RUN_ROOT.is_dir():
        return
    for instance in RUN_ROOT.iterdir():
        owner = instance.name.split("-", 1)[0]
        if not owner.isdigit() or _pid_alive(int(owner)):
            continue
        pids = instance / "pids"
        for pid in pids.read_text().split() if pids.exists() else ():
            with contextlib.suppress(OSError, ValueError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if str(instance).encode() in cmdline:
                    os.killpg(int(pid), signal.SIGKILL)
        shutil.rmtree(instance, ignore_errors=True)


def new_instance_dir() -> Path:
    RUN_ROOT.mkdir(parents=True, exist_ok=True)
    for n in itertools.count():
        path = RUN_ROOT / f"{os.getpid()}-{n}"
        with contextlib.suppress(FileExistsError):
            path.mkdir()
            return path
    raise AssertionError("unreachable")


# --- certificates --------------------------------------------------------------------------


def _pem_key(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def write_certificates(instance: Path) -> None:
    """ca.crt; apiserver.crt/.key for 127.0.0.1 and localhost signed by it; sa.key/sa.pub,
    the key pair that signs and verifies ServiceAccount tokens."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "flightdeck-test-ca")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(n) for n in ("localhost", "kubernetes", "kubernetes.default.svc")]
    serving = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName(
                [*names, x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
        .sign(ca_key, hashes.SHA256())
    )
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    files = {
        "ca.crt": ca.public_bytes(serialization.Encoding.PEM),
        "apiserver.crt": serving.public_bytes(serialization.Encoding.PEM),
        "apiserver.key": _pem_key(key),
        "sa.key": _pem_key(sa_key),
        "sa.pub": sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
    }
    for name, content in files.items():
        (instance / name).write_bytes(content)
        (instance / name).chmod(0o600)


# --- the Kubernetes API ----------------------------------------------------------------------


class Kube:
    """A small REST client of the apiserver: enough to apply manifests and mint tokens."""

    def __init__(self, url: str, ca_file: Path, token: str) -> None:
        self.http = httpx.Client(
            base_url=url,
            verify=ssl.create_default_context(cafile=str(ca_file)),
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        )
        self._resources: dict[tuple[str, str], tuple[str, bool]] = {}

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, body: Any = None) -> httpx.Response:
        return self.http.request(method, path, json=body)

    def checked(self, method: str, path: str, body: Any = None) -> dict[str, Any]:
        response = self.request(method, path, body)
        if response.status_code >= 400:
            raise ClusterError(f"{method} {path}: {response.status_code} {response.text}")
        result: dict[str, Any] = response.json()
        return result

    def resource(self, api_version: str, kind: str) -> tuple[str, bool]:
        """(plural name, namespaced) of a kind, from the API's discovery."""
        if (api_version, kind) not in self._resources:
            base = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            for r in self.checked("GET", base)["resources"]:
                if "/" not in r["name"]:
                    self._resources[(api_version, r["kind"])] = (r["name"], r["namespaced"])
        return self._resources[(api_version, kind)]

    def path(self, obj: Mapping[str, Any], named: bool = True) -> str:
        api_version, kind = obj["apiVersion"], obj["kind"]
        plural, namespaced = self.resource(api_version, kind)
        meta = obj.get("metadata", {})
        path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        if namespaced:
            path += f"/namespaces/{meta.get('namespace', 'default')}"
        path += f"/{plural}"
        return f"{path}/{meta['name']}" if named else path

    def apply(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """Creates the object, or replaces the one of that name (keeping its resourceVersion)."""
        response = self.request("POST", self.path(obj, named=False), dict(obj))
        if response.status_code != 409:
            if response.status_code >= 400:
                raise ClusterError(f"create {obj['kind']}: {response.status_code} {response.text}")
            created: dict[str, Any] = response.json()
            return created
        current = self.checked("GET", self.path(obj))
        replacement = json.loads(json.dumps(obj))
        replacement["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        return self.checked("PUT", self.path(obj), replacement)

    def apply_manifest(self, manifest: Path | str) -> list[dict[str, Any]]:
        text = manifest.read_text() if isinstance(manifest, Path) else manifest
        return [self.apply(doc) for doc in yaml.safe_load_all(text) if doc]

    def delete(self, obj: Mapping[str, Any]) -> None:
        response = self.request("DELETE", self.path(obj))
        if response.status_code not in (200, 202, 404):
            raise ClusterError(f"delete {obj['kind']}: {response.status_code} {response.text}")

    def wait_established(self, crd_name: str, timeout: float = 30.0) -> None:
        path = f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd_name}"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            conditions = self.checked("GET", path).get("status", {}).get("conditions") or []
            if any(c["type"] == "Established" and c["status"] == "True" for c in conditions):
                return
            time.sleep(0.2)
        raise ClusterError(f"CRD {crd_name} not established after {timeout:.0f}s")

    def ensure_service_account(self, namespace: str, name: str) -> None:
        for obj in (
            {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}},
            {
                "apiVersion": "v1",
                "kind": "ServiceAccount",
                "metadata": {"name": name, "namespace": namespace},
            },
        ):
            response = self.request("POST", self.path(obj, named=False), obj)
            if response.status_code not in (201, 409):
                raise ClusterError(f"create {obj['kind']}: {response.status_code} {response.text}")

    def service_account_token(
        self, namespace: str, name: str, expiration_seconds: int = 86400
    ) -> str:
        """A token of the ServiceAccount (TokenRequest API), as a pod's projected token is."""
        body = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {
                "audiences": [SERVICE_ACCOUNT_ISSUER],
                "expirationSeconds": expiration_seconds,
            },
        }
        path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
        return str(self.checked("POST", path, body)["status"]["token"])


def write_kubeconfig(path: Path, url: str, ca_file: Path, user: str, token: str) -> Path:
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "flightdeck-test",
                "cluster": {
                    "server": url,
                    "certificate-authority-data": base64.b64encode(ca_file.read_bytes()).decode(),
                },
            }
        ],
        "users": [{"name": user, "user": {"token": token}}],
        "contexts": [{"name": user, "context": {"cluster": "flightdeck-test", "user": user}}],
        "current-context": user,
    }
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


# --- the cluster ---------------------------------------------------------------------------


@dataclass
class KubeCluster:
    """A running etcd + kube-apiserver (+ flytepropeller once `start_propeller` ran)."""

    instance: Path
    apiserver_url: str
    ca_file: Path
    admin_token: str
    admin_kubeconfig: Path
    kube: Kube
    processes: list[Process] = field(default_factory=list)
    propeller_options: PropellerOptions | None = None
    propeller_prof_port: int | None = None

    @property
    def propeller_log(self) -> Path:
        return self.instance / "flytepropeller.log"

    @property
    def apiserver_log(self) -> Path:
        return self.instance / "kube-apiserver.log"

    @property
    def etcd_log(self) -> Path:
        return self.instance / "etcd.log"

    def cluster_client(self, token: str) -> Kube:
        """A REST client of this apiserver acting with ``token``; ``close()`` it when done."""
        return Kube(self.apiserver_url, self.ca_file, token)

    def service_account_token(self, namespace: str, name: str, ensure: bool = False) -> str:
        """A token of namespace/name; with ensure=True the namespace and account are created."""
        if ensure:
            self.kube.ensure_service_account(namespace, name)
        return self.kube.service_account_token(namespace, name)

    def service_account_kubeconfig(self, namespace: str, name: str, ensure: bool = False) -> Path:
        """A kubeconfig file that acts as namespace/name, so that its RBAC is what is tested."""
        token = self.service_account_token(namespace, name, ensure)
        path = self.instance / f"kubeconfig-{namespace}-{name}.yaml"
        user = f"system:serviceaccount:{namespace}:{name}"
        return write_kubeconfig(path, self.apiserver_url, self.ca_file, user, token)

    def propeller_log_lines(self) -> list[dict[str, Any]]:
        """propeller's JSON log lines (anything else it printed is skipped)."""
        lines = []
        for line in self.propeller_log.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                parsed = json.loads(line)
                if isinstance(parsed, dict):
                    lines.append(parsed)
        return lines

    def start_propeller(self, options: PropellerOptions | None = None) -> None:
        options = options or PropellerOptions()
        if not port_open(_host_port(options.s3_endpoint)):
            raise ClusterError(
                f"no S3 store at {options.s3_endpoint}: start it with "
                "FLIGHTDECK_LOCAL_S3=1 deploy/local/up s3 (make test does)"
            )
        self.kube.apply_manifest(PROPELLER_RBAC)
        token = self.kube.service_account_token(PROPELLER_NAMESPACE, PROPELLER_ACCOUNT)
        kubeconfig = write_kubeconfig(
            self.instance / "kubeconfig-propeller.yaml",
            self.apiserver_url,
            self.ca_file,
            f"system:serviceaccount:{PROPELLER_NAMESPACE}:{PROPELLER_ACCOUNT}",
            token,
        )
        self.propeller_prof_port = free_port()
        config = self.instance / "propeller.yaml"
        config.write_text(
            render(
                PROPELLER_CONFIG.read_text(),
                KUBECONFIG=str(kubeconfig),
                LIMIT_NAMESPACE=options.limit_namespace,
                PROF_PORT=str(self.propeller_prof_port),
                BUCKET=options.bucket,
                CLUSTER_ID=options.cluster_id,
                RAW_OUTPUT_POLICY=options.raw_output_policy,
                ADMIN_ENDPOINT=options.admin_endpoint,
                S3_ENDPOINT=options.s3_endpoint,
                S3_ACCESS_KEY=options.s3_access_key,
                S3_SECRET_KEY=options.s3_secret_key,
            )
        )
        config.chmod(0o600)
        propeller = spawn(
            "flytepropeller",
            [str(BIN_DIR / "flytepropeller"), "--config", str(config)],
            self.instance,
        )
        self.processes.append(propeller)
        self.propeller_options = options
        wait_until(
            "flytepropeller (its workers)",
            lambda: "Started workers" in self.propeller_log.read_text(errors="replace"),
            self.processes,
            START_TIMEOUT_SECONDS,
        )

    def pods(self, namespace: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.kube.checked(
            "GET", f"/api/v1/namespaces/{namespace}/pods"
        )["items"]
        return items

    def set_pod_phase(
        self, namespace: str, name: str, phase: str, exit_code: int = 0, message: str = ""
    ) -> dict[str, Any]:
        """Writes the pod's status as a kubelet would (there is none here): ``Running``,
        ``Succeeded`` or ``Failed`` (with ``exit_code`` and ``message``), every container alike."""
        path = f"/api/v1/namespaces/{namespace}/pods/{name}"
        pod = self.kube.checked("GET", path)
        pod["status"] = pod_status(pod, phase, exit_code, message)
        return self.kube.checked("PUT", f"{path}/status", pod)

    def read_object(self, uri: str) -> bytes:
        """An object propeller wrote (``s3://<bucket>/...``), read from the S3 store it uses."""
        options = self.propeller_options or PropellerOptions()
        return asyncio.run(_read_s3(options, uri))

    def check_alive(self) -> None:
        for process in self.processes:
            process.check_alive()

    def stop(self) -> None:
        self.kube.close()
        for process in reversed(self.processes):
            process.stop()
        shutil.rmtree(self.instance / "etcd", ignore_errors=True)


def pod_status(pod: Mapping[str, Any], phase: str, exit_code: int, message: str) -> dict[str, Any]:
    """The status a kubelet reports for a pod in ``phase`` on this (node-less) machine."""
    now = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    running = phase == "Running"
    if running:
        state: dict[str, Any] = {"running": {"startedAt": now}}
    else:
        reason = "Completed" if phase == "Succeeded" else "Error"
        state = {
            "terminated": {
                "exitCode": exit_code,
                "reason": reason,
                "message": message,
                "startedAt": pod.get("status", {}).get("startTime", now),
                "finishedAt": now,
            }
        }
    containers = [
        {
            "name": c["name"],
            "image": c["image"],
            "imageID": "",
            "ready": running,
            "restartCount": 0,
            "started": running,
            "state": state,
        }
        for c in pod["spec"]["containers"]
    ]
    ready = "True" if running else "False"
    conditions = [
        {"type": kind, "status": status, "lastTransitionTime": now}
        for kind, status in (
            ("PodScheduled", "True"),
            ("Initialized", "True"),
            ("ContainersReady", ready),
            ("Ready", ready),
        )
    ]
    return {
        "phase": phase,
        "conditions": conditions,
        "hostIP": "127.0.0.1",
        "podIP": "127.0.0.1",
        "startTime": pod.get("status", {}).get("startTime", now),
        "containerStatuses": containers,
        "message": message,
    }


async def _read_s3(options: PropellerOptions, uri: str) -> bytes:
    from flightdeck_storage.s3 import S3ObjectStore

    bucket, _, key = uri.removeprefix("s3://").partition("/")
    store = await S3ObjectStore.connect(
        bucket,
        endpoint_url=options.s3_endpoint,
        access_key_id=options.s3_access_key,
        secret_access_key=options.s3_secret_key,
    )
    try:
        return await store.read(key)
    finally:
        await store.close()


def render(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace(f"@{name}@", value)
    if leftover := re.search(r"@[A-Z][A-Z0-9_]*@", template):
        raise ClusterError(f"propeller config template: no value for {leftover.group()}")
    return template


def _host_port(url: str) -> tuple[str, int]:
    parsed = httpx.URL(url)
    return parsed.host, parsed.port or (443 if parsed.scheme == "https" else 80)


def start_control_plane() -> KubeCluster:
    """etcd and kube-apiserver, ready, with the FlyteWorkflow CRD established."""
    reap_stale_instances()
    instance = new_instance_dir()
    write_certificates(instance)
    admin_token = secrets.token_hex(24)
    tokens = instance / "tokens.csv"
    tokens.write_text(
        f'{admin_token},flightdeck-test-admin,flightdeck-test-admin,"system:masters"\n'
    )
    tokens.chmod(0o600)
    processes: list[Process] = []
    kube: Kube | None = None
    try:
        etcd_port, peer_port, api_port = free_port(), free_port(), free_port()
        processes.append(spawn("etcd", etcd_argv(instance, etcd_port, peer_port), instance))
        etcd_health = f"http://127.0.0.1:{etcd_port}/health"
        wait_until("etcd", lambda: _answers(etcd_health), processes, START_TIMEOUT_SECONDS)
        argv = apiserver_argv(instance, etcd_port, api_port)
        processes.append(spawn("kube-apiserver", argv, instance))
        url = f"https://127.0.0.1:{api_port}"
        kube = Kube(url, instance / "ca.crt", admin_token)
        wait_until("kube-apiserver", lambda: _ready(kube), processes, START_TIMEOUT_SECONDS)
        admin = write_kubeconfig(
            instance / "kubeconfig-admin.yaml",
            url,
            instance / "ca.crt",
            "flightdeck-test-admin",
            admin_token,
        )
        cluster = KubeCluster(
            instance, url, instance / "ca.crt", admin_token, admin, kube, processes
        )
        kube.apply_manifest(CRD_MANIFEST)
        kube.wait_established("flyteworkflows.flyte.lyft.com")
        return cluster
    except BaseException:
        if kube is not None:
            kube.close()
        for process in reversed(processes):
            process.stop()
        raise


def etcd_argv(instance: Path, port: int, peer_port: int) -> list[str]:
    client, peer = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{peer_port}"
    return [
        str(BIN_DIR / "etcd"),
        "--name=flightdeck-test",
        f"--data-dir={instance / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=flightdeck-test={peer}",
        "--initial-cluster-state=new",
        "--log-level=warn",
        # A test cluster lives minutes: no fsync, and no waiting on a disk shared with the stack.
        "--unsafe-no-fsync",
    ]


def apiserver_argv(instance: Path, etcd_port: int, port: int) -> list[str]:
    return [
        str(BIN_DIR / "kube-apiserver"),
        f"--etcd-servers=http://127.0.0.1:{etcd_port}",
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        f"--secure-port={port}",
        f"--cert-dir={instance / 'apiserver-certs'}",
        f"--tls-cert-file={instance / 'apiserver.crt'}",
        f"--tls-private-key-file={instance / 'apiserver.key'}",
        f"--token-auth-file={instance / 'tokens.csv'}",
        "--authorization-mode=RBAC",
        f"--service-account-issuer={SERVICE_ACCOUNT_ISSUER}",
        f"--service-account-key-file={instance / 'sa.pub'}",
        f"--service-account-signing-key-file={instance / 'sa.key'}",
        f"--api-audiences={SERVICE_ACCOUNT_ISSUER}",
        # Nothing routes to services here; the range is only what ClusterIPs are taken from.
        "--service-cluster-ip-range=10.96.0.0/16",
        # No endpoints for the `kubernetes` service: nothing in the cluster dials the apiserver.
        "--endpoint-reconciler-type=none",
        "--profiling=false",
        "--v=0",
    ]


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _ready(kube: Kube) -> bool:
    try:
        return kube.request("GET", "/readyz").status_code == 200
    except httpx.HTTPError:
        return False


@contextlib.contextmanager
def running(
    propeller: bool = True, options: PropellerOptions | None = None
) -> Iterator[KubeCluster]:
    """Builds what is missing, starts the cluster (and propeller), stops everything after."""
    build()
    cluster = start_control_plane()
    try:
        if propeller:
            cluster.start_propeller(options)
        yield cluster
    finally:
        cluster.stop()


def main() -> None:
    started = time.monotonic()
    with running() as cluster:
        print(f"up in {time.monotonic() - started:.1f}s")
        print(f"apiserver       {cluster.apiserver_url}")
        print(f"admin           KUBECONFIG={cluster.admin_kubeconfig}")
        print(f"propeller log   {cluster.propeller_log}")
        print("Ctrl-C stops it")
        with contextlib.suppress(KeyboardInterrupt):
            while True:
                cluster.check_alive()
                time.sleep(1)


if __name__ == "__main__":
    main()

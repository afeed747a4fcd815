"""Every kustomization of deploy/k8s renders, matches the Kubernetes schemas of the version the
propeller tests run and the published schemas of the operators' CRDs, and every workload is
hardened. Runs in `make test` (no marker: it needs no running stack)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import k8s_manifests as km
import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def crd_validators(toolchain: Path) -> dict:
    files = [*sorted((toolchain / "crds").glob("*.yaml")), km.K8S / "crds" / "flyteworkflow.yaml"]
    return km.crd_validators(files)


@pytest.mark.parametrize("kustomization", km.KUSTOMIZATIONS)
def test_renders_and_matches_the_schemas(
    toolchain: Path, crd_validators: dict, kustomization: str
) -> None:
    rendered = km.render(toolchain, kustomization)
    errors = [
        f"{m['kind']}/{m['metadata']['name']}: {error}"
        for m in rendered
        for error in km.schema_errors(m, crd_validators)
    ]
    assert rendered
    assert not errors, "\n".join(errors)


@pytest.mark.parametrize("kustomization", km.KUSTOMIZATIONS)
def test_every_container_is_hardened(toolchain: Path, kustomization: str) -> None:
    workloads = [
        m
        for m in km.render(toolchain, kustomization)
        if m["kind"] in {"Deployment", "StatefulSet", "DaemonSet"}
    ]
    gaps = [
        f"{m['kind']}/{m['metadata']['name']}: {gap}"
        for m in workloads
        for gap in km.hardening_gaps(m)
    ]
    assert workloads
    assert not gaps, "\n".join(gaps)


def test_the_executor_hands_off_with_its_own_identity(toolchain: Path) -> None:
    rendered = km.render(toolchain, "base")
    executor = next(
        m
        for m in rendered
        if m["kind"] == "Deployment" and m["metadata"]["name"] == "flightdeck-executor"
    )
    config = next(
        m
        for m in rendered
        if m["kind"] == "ConfigMap" and m["metadata"]["name"] == "flightdeck-executor"
    )
    assert executor["spec"]["template"]["spec"]["serviceAccountName"] == "flightdeck-executor"
    assert config["data"]["FLIGHTDECK_EXECUTOR_MODE"] == "handoff"


def test_consumers_scale_on_lag_up_to_the_partitions(toolchain: Path) -> None:
    rendered = km.render(toolchain, "overlays/prod")
    partitions = {
        m["spec"]["topicName"]: m["spec"]["partitions"]
        for m in rendered
        if m["kind"] == "KafkaTopic"
    }
    scaled = [m for m in rendered if m["kind"] == "ScaledObject"]
    assert {m["spec"]["scaleTargetRef"]["name"] for m in scaled} == {
        "flightdeck-events-projector",
        "flightdeck-executor",
    }
    for m in scaled:
        (trigger,) = m["spec"]["triggers"]
        assert m["spec"]["maxReplicaCount"] <= partitions[trigger["metadata"]["topic"]]


def _edge_grpc_routes() -> dict[str, str]:
    """path → upstream of the local edge's gRPC server (deploy/local/nginx.conf.tmpl)."""
    text = (REPO / "deploy" / "local" / "nginx.conf.tmpl").read_text()
    grpc_server = text.split("# gRPC over HTTP/2 cleartext.")[1].split("# HTTP/1.1")[0]
    routes = re.findall(r"location (=?) ?(/\S*) +\{ grpc_pass grpc://(\w+);", grpc_server)
    return {path: upstream.removesuffix("_grpc") for _, path, upstream in routes}


def test_the_ingress_routes_grpc_as_the_local_edge(toolchain: Path) -> None:
    ingress = next(
        m for m in km.render(toolchain, "base") if m["metadata"]["name"] == "flightdeck-grpc"
    )
    routes = {
        p["path"]: p["backend"]["service"]["name"].removeprefix("flightdeck-")
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    edge = {
        "events": "events-gateway",
        "admin": "admin",
        "dataproxy": "dataproxy",
        "signals": "signals",
        "agents": "agents",
        "$service": "admin",
    }
    for path, upstream in _edge_grpc_routes().items():
        if path == "/":
            continue  # ingress has no catch-all beside REST's; admin's services are listed
        matches = [r for r in routes if r.startswith(path.rstrip("/")) or path.startswith(r + "/")]
        assert matches, f"the edge routes {path}, the ingress does not"
        best = max(matches, key=len)
        assert routes[best] == edge[upstream], path


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), str(REPO / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

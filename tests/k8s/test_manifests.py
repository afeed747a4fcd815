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


EDGE_UPSTREAMS = {
    "events": "flightdeck-events-gateway",
    "$service": "flightdeck-admin",  # health and reflection: admin unless the metadata says
    **{
        name: f"flightdeck-{name}"
        for name in ("admin", "dataproxy", "signals", "agents", "executor", "console")
    },
}


def test_the_ingress_routes_grpc_as_the_local_edge(toolchain: Path) -> None:
    ingress = km.ingress_paths(km.render(toolchain, "base"), grpc=True)
    routes = {p.path: p.service for p in ingress}
    for location in km.edge_locations("grpc"):
        if location.path == "/":
            continue  # ingress has no catch-all beside REST's; admin's services are listed
        path = location.path
        matches = [r for r in routes if r.startswith(path.rstrip("/")) or path.startswith(r + "/")]
        assert matches, f"the edge routes {path}, the ingress does not"
        best = max(matches, key=len)
        assert routes[best] == EDGE_UPSTREAMS[location.upstream], path


def test_the_ingress_routes_rest_as_the_local_edge(toolchain: Path) -> None:
    """Each path the edge's HTTP server routes, and each path of the REST Ingresses, goes to
    the same service both ways (nginx's choice against Kubernetes' path matching)."""
    ingress = km.ingress_paths(km.render(toolchain, "base"), grpc=False)
    edge = km.edge_locations("http")
    probes = {km.probe_path(x.path, x.exact) for x in [*edge, *ingress]}
    wrong = []
    for probe in sorted(probes):
        at_edge, at_ingress = km.edge_route(edge, probe), km.ingress_route(ingress, probe)
        assert at_edge and at_ingress, probe
        if EDGE_UPSTREAMS[at_edge.upstream] != at_ingress.service or at_ingress.port != "http":
            wrong.append(f"{probe}: edge {at_edge.upstream}, ingress {at_ingress.service}")
    assert not wrong, "\n".join(wrong)


def _seconds(value: str) -> int:
    return int(value.removesuffix("s"))


def _proxying_gaps(location: km.EdgeLocation, ingress: km.Manifest) -> list[str]:
    """Where an Ingress proxies more tightly than the edge does at that location: buffering
    (streams: the console's Server-Sent Events, downloads), timeouts, upload size."""
    edge = location.directives
    gaps = []
    for directive, name in (
        ("proxy_buffering", "proxy-buffering"),
        ("proxy_request_buffering", "proxy-request-buffering"),
    ):
        if edge.get(directive) == "off" and km.annotation(ingress, name) != "off":
            gaps.append(f"{name} is not 'off'")
    timeout = edge.get("proxy_read_timeout") or edge.get("grpc_read_timeout")
    ingress_timeout = km.annotation(ingress, "proxy-read-timeout") or "60"  # ingress-nginx's
    if timeout and _seconds(ingress_timeout) < _seconds(timeout):
        gaps.append(f"proxy-read-timeout is below the edge's {timeout}")
    if edge.get("client_max_body_size") == "0" and km.annotation(ingress, "proxy-body-size") != "0":
        gaps.append("proxy-body-size is not '0'")
    return [f"{location.path} ({ingress['metadata']['name']}): {gap}" for gap in gaps]


def test_the_ingress_proxies_as_the_local_edge(toolchain: Path) -> None:
    rendered = km.render(toolchain, "base")
    rest = km.ingress_paths(rendered, grpc=False)
    grpc_ingresses = {
        p.ingress["metadata"]["name"]: p.ingress for p in km.ingress_paths(rendered, grpc=True)
    }
    gaps = []
    for location in km.edge_locations("http"):
        served_by = km.ingress_route(rest, km.probe_path(location.path, location.exact))
        assert served_by, location.path
        gaps += _proxying_gaps(location, served_by.ingress)
    for location in km.edge_locations("grpc"):
        for ingress in grpc_ingresses.values():
            gaps += _proxying_gaps(location, ingress)
    assert not gaps, "\n".join(gaps)


def test_the_console_feed_streams_unbuffered(toolchain: Path) -> None:
    """The SSE route has its own Ingress whose annotations say so, not only the REST ones'."""
    rest = km.ingress_paths(km.render(toolchain, "base"), grpc=False)
    feed = km.ingress_route(rest, "/console/api/events")
    assert feed and feed.service == "flightdeck-console"
    assert feed.ingress["metadata"]["name"] == "flightdeck-console-feed"
    assert km.annotation(feed.ingress, "proxy-buffering") == "off"
    assert int(km.annotation(feed.ingress, "proxy-read-timeout") or 0) >= 3600


def _selects(selector: dict, labels: dict) -> bool:
    expressions = selector.get("matchExpressions", [])
    assert all(e["operator"] == "In" for e in expressions), "extend _selects"
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and all(
        labels.get(e["key"]) in e["values"] for e in expressions
    )


def _by_kind(rendered: list[km.Manifest], kind: str) -> list[km.Manifest]:
    return [m for m in rendered if m["kind"] == kind]


def test_the_ingress_controller_may_reach_every_backend(toolchain: Path) -> None:
    """The default-deny policy lets the controller through to each routed pod, on the port the
    route names."""
    rendered = km.render(toolchain, "base")
    (policy,) = [
        m
        for m in _by_kind(rendered, "NetworkPolicy")
        if m["metadata"]["name"] == "allow-ingress-controller"
    ]
    (rule,) = policy["spec"]["ingress"]
    allowed_ports = {p["port"] for p in rule["ports"]}
    services = {m["metadata"]["name"]: m for m in _by_kind(rendered, "Service")}
    pods = [d["spec"]["template"]["metadata"]["labels"] for d in _by_kind(rendered, "Deployment")]
    gaps = []
    for route in km.ingress_paths(rendered, grpc=True) + km.ingress_paths(rendered, grpc=False):
        service = services[route.service]
        (port,) = [p for p in service["spec"]["ports"] if p["name"] == route.port]
        backends = [
            labels
            for labels in pods
            if _selects({"matchLabels": service["spec"]["selector"]}, labels)
        ]
        if not backends or not all(_selects(policy["spec"]["podSelector"], b) for b in backends):
            gaps.append(f"{route.path}: {route.service}'s pods are not admitted")
        if port["targetPort"] not in allowed_ports:
            gaps.append(f"{route.path}: port {port['targetPort']} is not admitted")
    assert not gaps, "\n".join(sorted(set(gaps)))


def _flightdeck_deployments(rendered: list[km.Manifest]) -> list[km.Manifest]:
    return [
        d
        for d in _by_kind(rendered, "Deployment")
        if any(c["image"].startswith("flightdeck/") for c in km.containers(d))
    ]


def test_every_service_is_scraped_and_kept_available(toolchain: Path) -> None:
    rendered = km.render(toolchain, "base")
    gaps = []
    for deployment in _flightdeck_deployments(rendered):
        name, labels = (
            deployment["metadata"]["name"],
            deployment["spec"]["template"]["metadata"]["labels"],
        )
        services = [
            s
            for s in _by_kind(rendered, "Service")
            if _selects({"matchLabels": s["spec"]["selector"]}, labels)
        ]
        budgets = [
            b
            for b in _by_kind(rendered, "PodDisruptionBudget")
            if _selects(b["spec"]["selector"], labels)
        ]
        monitors = [
            m
            for m in _by_kind(rendered, "ServiceMonitor")
            for s in services
            if _selects(m["spec"]["selector"], s["metadata"]["labels"])
            and {e["port"] for e in m["spec"]["endpoints"]}
            <= {p["name"] for p in s["spec"]["ports"]}
        ]
        gaps += [
            f"{name}: no {what}"
            for what, found in (
                ("Service", services),
                ("PodDisruptionBudget", budgets),
                ("ServiceMonitor", monitors),
            )
            if not found
        ]
    assert not gaps, "\n".join(gaps)


def test_every_image_is_a_dockerfile_target_that_make_image_builds(toolchain: Path) -> None:
    images = {
        c["image"].split(":")[0].removeprefix("flightdeck/")
        for d in _flightdeck_deployments(km.render(toolchain, "base"))
        for c in km.containers(d)
    }
    targets = set(re.findall(r"^FROM \S+ AS ([\w-]+)$", (REPO / "Dockerfile").read_text(), re.M))
    (built,) = re.findall(r"^IMAGES := (.*)$", (REPO / "Makefile").read_text(), re.M)
    assert images <= targets, images - targets
    assert images <= set(built.split()), images - set(built.split())


def test_the_dockerfile_passes_hadolint() -> None:
    hadolint = Path(sys.executable).with_name("hadolint")
    result = subprocess.run(
        [str(hadolint), str(REPO / "Dockerfile")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr

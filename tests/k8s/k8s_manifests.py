"""Rendering and checking deploy/k8s: the pinned kustomize and the operators' CRDs come from
deploy/k8s/tools/fetch (cached under var/k8s), the Kubernetes schemas from kubernetes-validate.
The local edge's routes are read from deploy/local/nginx.conf.tmpl, to compare the ingress with."""

from __future__ import annotations

import copy
import re
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "k8s"
KUBERNETES_VERSION = "1.34.0"
"""The kube-apiserver the propeller tests run (deploy/local/kube)."""
KUSTOMIZATIONS = ("base", "overlays/dev", "overlays/prod")
EDGE_TEMPLATE = REPO / "deploy" / "local" / "nginx.conf.tmpl"
INGRESS_ANNOTATION = "nginx.ingress.kubernetes.io/"

Manifest = dict[str, Any]


def fetch_toolchain() -> Path:
    out = subprocess.run(
        [str(K8S / "tools" / "fetch")], check=True, capture_output=True, text=True
    ).stdout
    return Path(out.strip())


def render(toolchain: Path, kustomization: str | Path) -> list[Manifest]:
    rendered = subprocess.run(
        [str(toolchain / "bin" / "kustomize"), "build", str(K8S / kustomization)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def crd_validators(crd_files: list[Path]) -> dict[tuple[str, str], jsonschema.Draft4Validator]:
    """(apiVersion, kind) → a validator of that custom resource's published schema."""
    validators = {}
    for path in crd_files:
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            spec = crd["spec"]
            for version in spec["versions"]:
                schema = closed(version["schema"]["openAPIV3Schema"])
                key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
                validators[key] = jsonschema.Draft4Validator(schema)
    return validators


def closed(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema with unknown fields refused: the apiserver prunes them silently, so a
    misspelt field would otherwise pass and do nothing. `metadata` stays open (the CRDs leave it
    to the apiserver), `nullable` becomes JSON Schema's null type."""
    out = copy.deepcopy(dict(schema))
    _close(out, top=True)
    return out


def _close(node: dict[str, Any], top: bool = False) -> None:
    if node.get("nullable") and isinstance(node.get("type"), str):
        node["type"] = [node["type"], "null"]
    props = node.get("properties")
    if props is not None:
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            node.setdefault("additionalProperties", False)
        for name, child in props.items():
            if not (top and name == "metadata"):
                _close(child)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            _close(node[key])
    for key in ("allOf", "anyOf", "oneOf"):
        for child in node.get(key, []):
            _close(child)


def schema_errors(
    manifest: Manifest, custom: Mapping[tuple[str, str], jsonschema.Draft4Validator]
) -> list[str]:
    key = (manifest["apiVersion"], manifest["kind"])
    if key in custom:
        body = {k: v for k, v in manifest.items() if k != "status"}
        return [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in custom[key].iter_errors(body)
        ]
    try:
        kubernetes_validate.validate(manifest, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError:
        return [f"no schema for {key} (neither Kubernetes {KUBERNETES_VERSION} nor a CRD)"]
    return []


def containers(manifest: Manifest) -> Iterator[Manifest]:
    template = manifest.get("spec", {}).get("template", {}).get("spec", {})
    yield from template.get("initContainers", [])
    yield from template.get("containers", [])


def hardening_gaps(manifest: Manifest) -> list[str]:
    """What a workload's containers miss: probes, limits, a non-root user, a read-only root."""
    gaps = []
    pod_security = manifest["spec"]["template"]["spec"].get("securityContext", {})
    for container in containers(manifest):
        security = container.get("securityContext", {})
        checks = {
            "readinessProbe": "readinessProbe" in container,
            "livenessProbe": "livenessProbe" in container,
            "cpu and memory limits": {"cpu", "memory"}
            <= set(container.get("resources", {}).get("limits", {})),
            "runAsNonRoot": security.get("runAsNonRoot", pod_security.get("runAsNonRoot")),
            "readOnlyRootFilesystem": security.get("readOnlyRootFilesystem") is True,
        }
        gaps += [f"{container['name']}: {what}" for what, ok in checks.items() if not ok]
    return gaps


# --- the local edge --------------------------------------------------------------------------


@dataclass(frozen=True)
class EdgeLocation:
    """One `location` of an edge server, with the proxy directives in force there (its own
    over its server's)."""

    path: str
    exact: bool
    upstream: str
    directives: Mapping[str, str]


def edge_locations(protocol: str) -> list[EdgeLocation]:
    """The locations of the edge's `grpc` (grpc_pass) or `http` (proxy_pass) server."""
    text = re.sub(r"#[^\n]*", "", EDGE_TEMPLATE.read_text())
    (server,) = [
        body
        for body in _blocks(text, re.compile(r"\bserver\s*\{"))
        if ("grpc_pass" in body) == (protocol == "grpc")
    ]
    defaults = _directives(re.sub(r"location[^{]*\{[^}]*\}", "", server))
    locations = []
    for match, body in _block_matches(server, re.compile(r"location\s+(=\s*)?(/\S*)\s*\{")):
        upstream = re.search(r"(?:grpc_pass grpc|proxy_pass http)://(\$?\w+);", body)
        assert upstream, f"edge location {match[2]} passes to no upstream"
        name = upstream[1].removesuffix("_grpc").removesuffix("_http")
        directives = {**defaults, **_directives(body)}
        locations.append(EdgeLocation(match[2], bool(match[1]), name, directives))
    return locations


def edge_route(locations: list[EdgeLocation], path: str) -> EdgeLocation | None:
    """nginx's choice for a request path: an exact location, else the longest prefix."""
    exact = [loc for loc in locations if loc.exact and loc.path == path]
    prefixes = [loc for loc in locations if not loc.exact and path.startswith(loc.path)]
    chosen = exact or sorted(prefixes, key=lambda loc: len(loc.path))
    return chosen[-1] if chosen else None


def probe_path(path: str, exact: bool) -> str:
    """A request path that a location or an ingress path of this path serves."""
    if exact:
        return path
    return path + "probe" if path.endswith("/") else path + "/probe"


def _directives(body: str) -> dict[str, str]:
    return dict(re.findall(r"^\s*(\w+)\s+([^;{]+);", body, flags=re.MULTILINE))


def _blocks(text: str, opener: re.Pattern[str]) -> Iterator[str]:
    for _, body in _block_matches(text, opener):
        yield body


def _block_matches(text: str, opener: re.Pattern[str]) -> Iterator[tuple[re.Match[str], str]]:
    for match in opener.finditer(text):
        depth, end = 1, match.end()
        while depth:
            depth += {"{": 1, "}": -1}.get(text[end], 0)
            end += 1
        yield match, text[match.end() : end - 1]


# --- the ingress -----------------------------------------------------------------------------


@dataclass(frozen=True)
class IngressPath:
    path: str
    exact: bool
    service: str
    port: str
    ingress: Manifest


def ingress_paths(rendered: list[Manifest], grpc: bool) -> list[IngressPath]:
    """Every path of the Ingresses whose backend protocol is (or is not) gRPC."""
    paths = []
    for m in rendered:
        if m["kind"] != "Ingress":
            continue
        protocol = m["metadata"].get("annotations", {}).get(INGRESS_ANNOTATION + "backend-protocol")
        if (protocol == "GRPC") != grpc:
            continue
        for rule in m["spec"]["rules"]:
            for p in rule["http"]["paths"]:
                backend = p["backend"]["service"]
                exact = p["pathType"] == "Exact"
                paths.append(
                    IngressPath(p["path"], exact, backend["name"], backend["port"]["name"], m)
                )
    return paths


def ingress_route(paths: list[IngressPath], path: str) -> IngressPath | None:
    """Kubernetes' choice for a request path: the longest matching path, Exact before Prefix
    (Prefix matches whole path elements)."""

    def matches(p: IngressPath) -> bool:
        if p.exact:
            return path == p.path
        prefix = p.path.rstrip("/")
        return path in (p.path, prefix) or path.startswith(prefix + "/")

    candidates = sorted(filter(matches, paths), key=lambda p: (len(p.path), p.exact))
    return candidates[-1] if candidates else None


def annotation(ingress: Manifest, name: str) -> str | None:
    return ingress["metadata"].get("annotations", {}).get(INGRESS_ANNOTATION + name)

"""Rendering and checking deploy/k8s: the pinned kustomize and the operators' CRDs come from
deploy/k8s/tools/fetch (cached under var/k8s), the Kubernetes schemas from kubernetes-validate."""

from __future__ import annotations

import copy
import subprocess
from collections.abc import Iterator, Mapping
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

"""The rendered base, applied to a real kube-apiserver v1.34 (deploy/local/kube) with a
server-side dry run: what the schemas cannot see (admission, defaulting, cross-field rules
inside the API types, CRD validation by the server itself) is checked by the server.

The operators' CRDs are installed for real first (the server must know the kinds); the objects
are only dry-run. Only the control plane is started: no propeller, so no local stack is needed."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import k8s_manifests as km
import pytest
import yaml

pytestmark = [pytest.mark.propeller, pytest.mark.integration]
REPO = Path(__file__).resolve().parents[2]
FIELD_MANAGER = "flightdeck-tests"


def _cluster_module() -> Any:
    """deploy/local/kube/cluster.py, loaded once under the name tests/propeller loads it by."""
    if "kube_cluster" in sys.modules:
        return sys.modules["kube_cluster"]
    spec = importlib.util.spec_from_file_location(
        "kube_cluster", REPO / "deploy" / "local" / "kube" / "cluster.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def control_plane() -> Iterator[Any]:
    with _cluster_module().running(propeller=False) as cluster:
        yield cluster


def _dry_run_apply(kube: Any, manifest: dict[str, Any]) -> tuple[int, str]:
    response = kube.http.request(
        "PATCH",
        kube.path(manifest),
        content=json.dumps(manifest),
        headers={"Content-Type": "application/apply-patch+yaml"},
        params={"dryRun": "All", "fieldManager": FIELD_MANAGER, "force": "true"},
    )
    return response.status_code, response.text


@pytest.mark.timeout(900)
def test_the_base_passes_a_server_side_dry_run(toolchain: Path, control_plane: Any) -> None:
    kube = control_plane.kube
    for crd_file in sorted((toolchain / "crds").glob("*.yaml")):
        for crd in yaml.safe_load_all(crd_file.read_text()):
            kube.apply(crd)
            kube.wait_established(crd["metadata"]["name"])
    rendered = km.render(toolchain, "base")
    for manifest in rendered:
        if manifest["kind"] in {"CustomResourceDefinition", "Namespace"}:
            kube.apply(manifest)  # objects in a namespace need it to exist, even in a dry run
    for crd in (m for m in rendered if m["kind"] == "CustomResourceDefinition"):
        kube.wait_established(crd["metadata"]["name"])
    refused = []
    for manifest in rendered:
        status, body = _dry_run_apply(kube, manifest)
        if status >= 400:
            refused.append(f"{manifest['kind']}/{manifest['metadata']['name']}: {status} {body}")
    assert not refused, "\n".join(refused)

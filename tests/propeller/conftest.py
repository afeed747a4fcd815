"""Fixtures of the propeller tests: Kubernetes' own kube-apiserver v1.34.2 (on etcd v3.6.4) and
flytepropeller v1.16.8 on loopback, built from the Go module proxy and started by
deploy/local/kube/cluster.py. Propeller reports to flightdeck's edge and keeps its data in the
local stack's S3 store (SeaweedFS, which `make test` starts).

``kube_cluster`` (session) is a ``KubeCluster``:
  - ``apiserver_url``, ``ca_file``, ``admin_kubeconfig`` (system:masters), ``admin_token``
  - ``kube``: a small REST client as admin (``apply``, ``apply_manifest``, ``delete``,
    ``checked(method, path, body)``, ``ensure_service_account``)
  - ``service_account_token(ns, name, ensure=False)`` and
    ``service_account_kubeconfig(ns, name, ensure=False)``: act as a ServiceAccount, RBAC applied
  - ``propeller_log`` (path), ``propeller_log_lines()`` (its JSON lines), ``propeller_options``
  - ``read_object("s3://...")``: an object propeller wrote, read from its S3 store
  - ``pods(ns)``, ``set_pod_phase(ns, name, "Running"|"Succeeded"|"Failed", exit_code, message)``:
    no kubelet runs here, a test writes pod status as one would
  - ``check_alive()``: raises with the log's tail when a process died

kubelet.py (loaded by the tests that need it) runs a namespace's pods as local processes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import testkit

REPO = Path(__file__).resolve().parents[2]
BUILD_AND_START_TIMEOUT_SECONDS = 3600
"""The first test that needs the cluster may build it: about half an hour cold on two cores."""


cluster_module = testkit.load_script(
    "kube_cluster", REPO / "deploy" / "local" / "kube" / "cluster.py"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The first test here sets a cluster up and so may pay for a cold build: give it the time."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.timeout(BUILD_AND_START_TIMEOUT_SECONDS))
            return


@pytest.fixture(scope="session")
def propeller_options() -> Any:
    """What propeller is pointed at (``PropellerOptions``: admin endpoint = the edge's gRPC
    port, S3 endpoint and keys = the s3 component's, bucket ``flightdeck``, cluster id
    ``propeller``). Override this fixture in a test directory to point it elsewhere."""
    return cluster_module.PropellerOptions()


@pytest.fixture(scope="session")
def kube_cluster(propeller_options: Any) -> Iterator[Any]:
    """etcd + kube-apiserver + flytepropeller, started once for the session, stopped after."""
    with cluster_module.running(options=propeller_options) as cluster:
        yield cluster

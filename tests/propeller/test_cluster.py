"""The propeller tests' cluster itself: a real kube-apiserver with RBAC, the FlyteWorkflow CRD,
and a real flytepropeller watching it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

pytestmark = [pytest.mark.propeller, pytest.mark.integration]


def test_the_apiserver_is_kubernetes_1_34(kube_cluster: Any) -> None:
    version = kube_cluster.kube.checked("GET", "/version")
    assert version["gitVersion"] == "v1.34.2"
    assert kube_cluster.kube.request("GET", "/readyz").text == "ok"


def test_the_flyteworkflow_crd_is_established(kube_cluster: Any) -> None:
    crd = kube_cluster.kube.checked(
        "GET",
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/flyteworkflows.flyte.lyft.com",
    )
    conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
    assert conditions["Established"] == "True"
    assert crd["status"]["acceptedNames"]["kind"] == "FlyteWorkflow"


def test_a_service_account_gets_only_what_rbac_grants(kube_cluster: Any) -> None:
    token = kube_cluster.service_account_token("rbac-probe", "nobody", ensure=True)
    kube = kube_cluster.cluster_client(token)
    try:
        listing = kube.request("GET", "/apis/flyte.lyft.com/v1alpha1/flyteworkflows")
        assert listing.status_code == 403, listing.text
        assert "system:serviceaccount:rbac-probe:nobody" in listing.json()["message"]
    finally:
        kube.close()
    # propeller's own account may watch every namespace's workflows.
    review = kube_cluster.kube.checked(
        "POST",
        "/apis/authorization.k8s.io/v1/subjectaccessreviews",
        {
            "apiVersion": "authorization.k8s.io/v1",
            "kind": "SubjectAccessReview",
            "spec": {
                "user": "system:serviceaccount:flyte:flytepropeller",
                "resourceAttributes": {
                    "group": "flyte.lyft.com",
                    "resource": "flyteworkflows",
                    "verb": "watch",
                },
            },
        },
    )
    assert review["status"]["allowed"] is True


def test_a_service_account_kubeconfig_names_the_cluster_and_account(kube_cluster: Any) -> None:
    path = kube_cluster.service_account_kubeconfig("rbac-probe", "nobody", ensure=True)
    config = yaml.safe_load(path.read_text())
    assert config["clusters"][0]["cluster"]["server"] == kube_cluster.apiserver_url
    assert config["users"][0]["user"]["token"]


def test_propeller_watches_flyteworkflows(kube_cluster: Any) -> None:
    kube_cluster.check_alive()
    messages = [line.get("msg", "") for line in kube_cluster.propeller_log_lines()]
    assert "Waiting for informer caches to sync" in messages
    assert "Started workers" in messages
    forbidden = [m for m in messages if "forbidden" in m.lower()]
    assert not forbidden, forbidden

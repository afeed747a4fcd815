"""Fixtures of the deploy/k8s checks. The helpers live in k8s_manifests.py, loaded here by path
(the test directories are not packages)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest


def _load_helpers() -> None:
    spec = importlib.util.spec_from_file_location(
        "k8s_manifests", Path(__file__).with_name("k8s_manifests.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)


_load_helpers()

import k8s_manifests  # noqa: E402


@pytest.fixture(scope="session")
def toolchain() -> Path:
    """kustomize and the CRDs, fetched once (about a minute cold, then cached in var/k8s)."""
    return k8s_manifests.fetch_toolchain()

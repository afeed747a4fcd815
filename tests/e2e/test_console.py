"""The web console in a real browser against the running system: Playwright (playwright-core
from the console's lockfile) driving Debian's Chromium through the acceptance flow — launch from
the form, SUCCEEDED live without a reload, graph, timeline, outputs, terminate, a gate.

Screenshots land in services/console/web/test-output/ (gitignored)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "services" / "console" / "web"
SCREENSHOTS = WEB / "test-output"
BROWSER_TIMEOUT_SECONDS = 480


def _chromium() -> str:
    """Debian's Chromium, installed on first use as deploy/local installs its Debian packages."""
    found = shutil.which("chromium")
    if found:
        return found
    if os.geteuid() != 0:
        pytest.fail("the console's browser test needs Debian's chromium: apt-get install chromium")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium"],
        check=True,
        env=env,
    )
    return shutil.which("chromium") or pytest.fail("chromium is not on PATH after installing it")


@pytest.fixture(scope="module")
def console_built() -> None:
    """The built app and playwright-core, from the lockfile (what `make console` does)."""
    if not (WEB / "dist" / "index.html").is_file() or not (WEB / "node_modules").is_dir():
        subprocess.run(["make", "-s", "console"], cwd=REPO, check=True, timeout=600)


def test_console_acceptance_flow(
    console_built: None, example_runs: Any, edge_http_url: str, tmp_path: Path
) -> None:
    runs = example_runs
    seed = runs.launch("quickstart", {"name": "seed"}, wait=True)
    launch_plan = runs.get(seed).spec.launch_plan.name
    sleeper = runs.launch("sleeper", {"seconds": 300, "marker_dir": str(tmp_path)})
    gated = runs.launch("gated", {"x": 1})
    assert httpx.get(f"{edge_http_url}/console/", timeout=10).status_code == 200
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    env = {
        **os.environ,
        "CHROMIUM": _chromium(),
        "CONSOLE_URL": f"{edge_http_url}/console",
        "CONSOLE_PROJECT": runs.project,
        "CONSOLE_LAUNCH_PLAN": launch_plan,
        "CONSOLE_SLEEPER_RUN": sleeper,
        "CONSOLE_GATED_RUN": gated,
        "CONSOLE_SCREENSHOTS": str(SCREENSHOTS),
    }
    done = subprocess.run(
        ["node", "browser/acceptance.mjs"],
        cwd=WEB,
        env=env,
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, f"browser flow failed:\n{done.stdout}\n{done.stderr}"
    assert "console: done" in done.stdout
    for name in ("03-graph-succeeded-outputs", "04-timeline", "06-terminated", "08-gate-succeeded"):
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0

"""The web console in a real browser against the running system: Playwright (playwright-core
from the console's lockfile) driving Debian's Chromium through the acceptance flow — launch from
the form, SUCCEEDED live without a reload, graph (sub-workflow, branch, dynamic and map children
opened), timeline with task attempts, outputs, the Jaeger trace link, terminate, a gate, a launch
whose file and directory inputs are uploaded through the data proxy, the main flow by keyboard
alone, and the pages at a phone's width.

Screenshots land in services/console/web/test-output/ (gitignored)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import pytest
import testkit

pytestmark = [pytest.mark.integration, pytest.mark.e2e]

REPO = Path(__file__).resolve().parents[2]
WEB = REPO / "services" / "console" / "web"
SCREENSHOTS = WEB / "test-output"
BROWSER_TIMEOUT_SECONDS = 600

# A workflow with a file and a directory input, registered by the test (examples/ has none).
FILE_WORKFLOW = """
from pathlib import Path

from flytekit import task, workflow
from flytekit.types.directory import FlyteDirectory
from flytekit.types.file import FlyteFile


@task
def measure(data: FlyteFile, folder: FlyteDirectory) -> str:
    size = len(Path(data.download()).read_bytes())
    root = Path(folder.download())
    names = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return f"{size} bytes; {', '.join(names)}"


@workflow
def measure_inputs(data: FlyteFile, folder: FlyteDirectory) -> str:
    return measure(data=data, folder=folder)
"""


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


def _upload_inputs(root: Path) -> tuple[Path, Path]:
    """A 2,048-byte file and a folder of two files, one in a subfolder."""
    data = root / "upload" / "data.bin"
    folder = root / "upload" / "picked"
    (folder / "sub").mkdir(parents=True)
    data.write_bytes(bytes(range(256)) * 8)
    (folder / "a.txt").write_text("alpha")
    (folder / "sub" / "b.txt").write_text("beta")
    return data, folder


def _stored(edge_http_url: str, native_url: str) -> bytes:
    """An object's bytes through the data proxy (CreateDownloadLocation, then the signed GET).

    The run itself is not awaited: with the local store the data proxy's native URLs are
    ``file://`` URLs, and flytekit's task runtime takes those for missing local paths (it
    refuses ``file://`` files and directories as inputs), so only a remote store runs it."""
    location = httpx.get(
        f"{edge_http_url}/api/v1/dataproxy/artifact_urn",
        params={"native_url": native_url},
        timeout=10,
    )
    assert location.status_code == 200, location.text
    signed = httpx.get(location.json()["signedUrl"], timeout=10)
    assert signed.status_code == 200, signed.text
    return signed.content


def _tracing_on() -> bool:
    """The services export to Jaeger (and the console links to it) when it runs at start-up."""
    services = testkit.load_script("local_services", REPO / "deploy" / "local" / "services.py")
    return services.jaeger_otlp_endpoint() is not None


def test_console_acceptance_flow(
    console_built: None, example_runs: Any, edge_http_url: str, tmp_path: Path
) -> None:
    runs = example_runs
    seed = runs.launch("quickstart", {"name": "seed"}, wait=True)
    launch_plan = runs.get(seed).spec.launch_plan.name
    tour = runs.launch("tour", {"n": 3}, wait=True)
    retried = runs.launch("retries_once", {"marker_dir": str(tmp_path)}, wait=True)
    script = tmp_path / "workflows" / "console_files.py"
    script.parent.mkdir()
    script.write_text(FILE_WORKFLOW)
    data, folder = _upload_inputs(tmp_path)
    # Registers the workflow (its run is not awaited: see _stored).
    measured = runs.launch("measure_inputs", {"data": data, "folder": folder}, script=script)
    file_plan = runs.get(measured).spec.launch_plan.name
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
        "CONSOLE_TOUR_RUN": tour,
        "CONSOLE_RETRIED_RUN": retried,
        "CONSOLE_FILE_LAUNCH_PLAN": file_plan,
        "CONSOLE_UPLOAD_FILE": str(data),
        "CONSOLE_UPLOAD_FOLDER": str(folder),
        "CONSOLE_SLEEPER_RUN": sleeper,
        "CONSOLE_GATED_RUN": gated,
        "CONSOLE_EXPECT_TRACES": "1" if _tracing_on() else "0",
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
    shots = (
        "03-graph-succeeded-outputs",
        "04-timeline",
        "06-terminated",
        "08-gate-succeeded",
        "10-graph-expanded",
        "11-timeline-attempts",
        "12-upload-launched",
        "14-phone-execution",
    )
    for name in shots:
        assert (SCREENSHOTS / f"{name}.png").stat().st_size > 0
    uploaded: dict[str, str] = {}
    for line in done.stdout.splitlines():
        if line.startswith("console: uploaded "):
            _, _, name, uri = line.split(" ", 3)
            uploaded[name] = uri
    assert _stored(edge_http_url, uploaded["data"]) == data.read_bytes()
    assert uploaded["folder"].endswith("/")
    for path in ("a.txt", "sub/b.txt"):
        assert _stored(edge_http_url, uploaded["folder"] + path) == (folder / path).read_bytes()

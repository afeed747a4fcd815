"""A kubelet stand-in for the propeller tests: the harness has no kubelet, so a pod propeller
creates would stay Pending. This one watches the pods of one namespace and, for each new one,
does what a kubelet would with one container: marks it Running, runs the container's own
command (what flytekit put in the task template, as propeller rendered it: ``pyflyte-execute``
or ``pyflyte-fast-execute`` with the inputs and output prefix in propeller's store) as a local
process with the container's environment (the S3 endpoint and keys propeller's
``default-env-vars`` add included), and marks the pod Succeeded or Failed with its exit code.

Images are not pulled: the command runs in this checkout's Python environment, whose flytekit is
the one that registered the workflow. Not production code; kubelet is not what is tested.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

POLL_SECONDS = 0.3
POD_TIMEOUT_SECONDS = 300.0
PASSED_ENVIRONMENT = ("HOME", "LANG", "LC_ALL", "TZ")
"""Variables of the test's own environment a container also gets (a kubelet's image would
set its own); the rest comes from the pod spec."""


@dataclass
class PodRun:
    """What happened to one pod: the command it ran, its exit code and its output."""

    name: str
    argv: list[str]
    exit_code: int | None = None
    output: str = ""


@dataclass
class KubeletStandIn:
    """``with KubeletStandIn(cluster, namespace):`` runs that namespace's pods meanwhile."""

    cluster: Any
    namespace: str
    workers: int = 2
    runs: dict[str, PodRun] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _seen: set[str] = field(default_factory=set)

    def __enter__(self) -> KubeletStandIn:
        self._work = Path(tempfile.mkdtemp(prefix=f"kubelet-{self.namespace}-"))
        self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="kubelet")
        self._watcher = threading.Thread(target=self._watch, name="kubelet-watch", daemon=True)
        self._watcher.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._watcher.join(timeout=30)
        self._pool.shutdown(wait=True, cancel_futures=True)
        # What the pods wrote is in their outputs and propeller's store; their dirs can go.
        shutil.rmtree(self._work, ignore_errors=True)

    def finished(self) -> list[PodRun]:
        with self._lock:
            return [run for run in self.runs.values() if run.exit_code is not None]

    def _watch(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            try:
                pods = self.cluster.pods(self.namespace)
            except Exception as error:  # the apiserver going away ends the test anyway
                self.errors.append(f"listing pods: {error}")
                continue
            for pod in pods:
                uid = pod["metadata"]["uid"]
                if uid in self._seen or _started(pod) or pod["metadata"].get("deletionTimestamp"):
                    continue
                self._seen.add(uid)
                self._pool.submit(self._run_pod, pod)

    def _run_pod(self, pod: Mapping[str, Any]) -> None:
        name = pod["metadata"]["name"]
        container = pod["spec"]["containers"][0]
        argv = [*container.get("command", []), *container.get("args", [])]
        run = PodRun(name, argv)
        with self._lock:
            self.runs[name] = run
        try:
            self.cluster.set_pod_phase(self.namespace, name, "Running")
            done = subprocess.run(
                argv,
                cwd=self._work_dir(name),
                env=container_environment(pod, container),
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=POD_TIMEOUT_SECONDS,
                check=False,
            )
            output = done.stdout + done.stderr
            phase = "Succeeded" if done.returncode == 0 else "Failed"
            # A kubelet reports the end of the container's log as the termination message.
            self.cluster.set_pod_phase(self.namespace, name, phase, done.returncode, output[-1000:])
            with self._lock:
                run.exit_code, run.output = done.returncode, output
        except Exception as error:  # recorded for the test to show; the pod stays as it is
            self.errors.append(f"pod {name}: {type(error).__name__}: {error}")

    def _work_dir(self, name: str) -> Path:
        path = self._work / name
        path.mkdir(parents=True, exist_ok=True)
        return path


def _started(pod: Mapping[str, Any]) -> bool:
    return pod.get("status", {}).get("phase") not in (None, "", "Pending")


def container_environment(pod: Mapping[str, Any], container: Mapping[str, Any]) -> dict[str, str]:
    """The container's variables (plain values, and the pod fields a ``fieldRef`` names), on
    top of a PATH whose first entry is this environment's bin (pyflyte-execute lives there)."""
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    for variable in container.get("env", []):
        if "value" in variable:
            env[variable["name"]] = variable["value"]
        elif path := variable.get("valueFrom", {}).get("fieldRef", {}).get("fieldPath"):
            value = _field(pod, path)
            if value is not None:
                env[variable["name"]] = value
    return env


def _field(pod: Mapping[str, Any], path: str) -> str | None:
    """``metadata.name``-style paths of the downward API (labels/annotations not needed)."""
    value: Any = pod
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return str(value)


@contextlib.contextmanager
def running_pods(cluster: Any, namespace: str) -> Iterator[KubeletStandIn]:
    with KubeletStandIn(cluster, namespace) as kubelet:
        yield kubelet

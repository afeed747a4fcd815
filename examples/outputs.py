"""Prints an execution's phase and outputs, as FlyteRemote reads them through the edge.

uv run python examples/outputs.py <execution name> [project] [domain]
"""

from __future__ import annotations

import sys
from pathlib import Path

from flytekit.configuration import Config
from flytekit.models.core.execution import WorkflowExecutionPhase
from flytekit.remote import FlyteRemote

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "local" / "flytekit.yaml"


def main(name: str, project: str = "flytesnacks", domain: str = "development") -> None:
    remote = FlyteRemote(Config.auto(str(CONFIG)), project, domain)
    execution = remote.wait(remote.fetch_execution(name=name))
    print(f"{name}: {WorkflowExecutionPhase.enum_to_string(execution.closure.phase)}")
    for variable, value in execution.outputs.items():
        print(f"  {variable} = {value!r}")


if __name__ == "__main__":
    main(*sys.argv[1:])

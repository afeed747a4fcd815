"""The exceptions the compiler raises; both are ``InvalidArgument`` on the wire (§8.3).

faults.InvalidArgument
├── WorkflowCompileFailed   CreateWorkflow: requirements or compile errors
└── TaskCompileFailed       CreateTask: the task template does not compile
"""

from __future__ import annotations

from collections.abc import Iterable

from flyteidl.core import identifier_pb2

from flightdeck_compiler.errors import CompileError, collected_errors_text
from flightdeck_platform import faults
from flightdeck_typecheck import compact_text


class WorkflowCompileFailed(faults.InvalidArgument):
    """Every error found, in print order; the message is the one flytekit users see."""

    def __init__(
        self,
        workflow_id: identifier_pb2.Identifier,
        errors: Iterable[CompileError],
        *,
        in_requirements: bool = False,
    ) -> None:
        self.workflow_id = workflow_id
        self.errors = tuple(errors)
        self.in_requirements = in_requirements
        collected = collected_errors_text(self.errors)
        if in_requirements:
            collected = f"failed to get workflow requirements with err {collected}"
        prefix = f"failed to compile workflow for [{compact_text(workflow_id)}] with err: "
        super().__init__(prefix + collected)


class TaskCompileFailed(faults.InvalidArgument):
    def __init__(self, errors: Iterable[CompileError]) -> None:
        self.errors = tuple(errors)
        super().__init__(f"task failed compilation with {collected_errors_text(self.errors)}")

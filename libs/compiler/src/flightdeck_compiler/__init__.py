"""The Flyte workflow compiler, in pure Python (``docs``: compiler spec §1-§9).

    references = required_references(spec)            # what admin loads first
    closure = compile_workflow(spec, tasks, launch_plans)
    compiled = compile_task(template)                 # CreateTask

``tasks`` maps ``identifier_key(id)`` to ``core.TaskTemplate``; ``launch_plans`` maps it to a
``LaunchPlanInterface`` (``LaunchPlanInterface.of(stored_launch_plan)``). Failures raise
``WorkflowCompileFailed`` / ``TaskCompileFailed``, both ``faults.InvalidArgument`` whose message
is the text flyteadmin returns.
"""

from flightdeck_compiler.compile import compile_workflow
from flightdeck_compiler.errors import Code, CompileError
from flightdeck_compiler.failures import TaskCompileFailed, WorkflowCompileFailed
from flightdeck_compiler.references import (
    IdentifierKey,
    LaunchPlanInterface,
    References,
    identifier_key,
    index_launch_plans,
    index_tasks,
)
from flightdeck_compiler.requirements import required_references
from flightdeck_compiler.tasks import compile_task

__all__ = [
    "Code",
    "CompileError",
    "IdentifierKey",
    "LaunchPlanInterface",
    "References",
    "TaskCompileFailed",
    "WorkflowCompileFailed",
    "compile_task",
    "compile_workflow",
    "identifier_key",
    "index_launch_plans",
    "index_tasks",
    "required_references",
]

"""CreateWorkflow rules around the compiler (admin.md §2.2, §1.3)."""

from __future__ import annotations

from flyteidl.admin import workflow_pb2
from flyteidl.core import compiler_pb2, identifier_pb2

from flightdeck_admin.domain.errors import DifferentStructure, EntityAlreadyExists, InvalidField
from flightdeck_platform import faults
from flightdeck_typecheck import compact_text

MAX_WORKFLOW_NODES = 100
INJECTED_NODES = 2  # start-node and end-node


class MissingReference(faults.InvalidArgument):
    """A task or launch plan the workflow names is not registered (IA, not NF, as the reference)."""

    def __init__(
        self, workflow_id: identifier_pb2.Identifier, missing: identifier_pb2.Identifier
    ) -> None:
        kind = identifier_pb2.ResourceType.Name(missing.resource_type)
        super().__init__(
            f"failed to compile workflow for [{compact_text(workflow_id)}] with err: "
            f"missing entity of type {kind} with identifier {compact_text(missing)}"
        )


def check_size(closure: compiler_pb2.CompiledWorkflowClosure, max_nodes: int) -> None:
    user_nodes = len(closure.primary.template.nodes) - INJECTED_NODES
    if user_nodes > max_nodes:
        raise InvalidField(
            "spec.template.nodes",
            f"the workflow has {user_nodes} nodes; at most {max_nodes} are allowed",
        )


def refuse_existing(workflow_id: identifier_pb2.Identifier, same_structure: bool) -> None:
    """Always raises: the id is taken, identically (AE) or with other content (IA)."""
    if same_structure:
        raise EntityAlreadyExists(
            "workflow with identical structure already exists",
            details=[
                workflow_pb2.CreateWorkflowFailureReason(
                    exists_identical_structure=workflow_pb2.WorkflowErrorExistsIdenticalStructure(
                        id=workflow_id
                    )
                )
            ],
        )
    raise DifferentStructure(
        f"workflow with different structure already exists with id {compact_text(workflow_id)}",
        details=[
            workflow_pb2.CreateWorkflowFailureReason(
                exists_different_structure=workflow_pb2.WorkflowErrorExistsDifferentStructure(
                    id=workflow_id
                )
            )
        ],
    )


def list_view(workflow: workflow_pb2.Workflow) -> workflow_pb2.Workflow:
    """ListWorkflows returns only created_at and the primary template's interface."""
    view = workflow_pb2.Workflow(id=workflow.id, short_description=workflow.short_description)
    view.closure.created_at.CopyFrom(workflow.closure.created_at)
    view.closure.compiled_workflow.primary.template.interface.CopyFrom(
        workflow.closure.compiled_workflow.primary.template.interface
    )
    return view

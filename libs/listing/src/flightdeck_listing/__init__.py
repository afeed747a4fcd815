"""One listing engine for every List RPC: the reference filter grammar, sort_by, limit and page
tokens, resolved against a declarative schema per listing into a ``ListingPlan`` that a store
adapter executes (``flightdeck_admin.store.listing``) or that ``select_page`` evaluates in memory.

Pure: no I/O, no driver types. Every bad input is a ``faults.InvalidArgument`` whose message
follows the reference's wording and names the offending token.
"""

from .conditions import Condition
from .grammar import Function
from .matching import cursor_values, field_value, holds, matches, select_page
from .plan import (
    ListingArguments,
    ListingPlan,
    ListRequest,
    arguments_of,
    next_token,
    plan_listing,
)
from .schema import Column, Kind, ListingSchema, Scalar
from .schemas import (
    ACTIVE_LAUNCH_PLANS,
    EXECUTIONS,
    LAUNCH_PLAN_IDS,
    LAUNCH_PLANS,
    NAMED_ENTITIES,
    NODE_EXECUTIONS,
    NODE_EXECUTIONS_FOR_TASK,
    PROJECTS,
    TASK_DESCRIPTION_ENTITIES,
    TASK_EXECUTIONS,
    TASK_IDS,
    TASKS,
    WORKFLOW_DESCRIPTION_ENTITIES,
    WORKFLOW_IDS,
    WORKFLOWS,
    description_entities,
)
from .sorting import Ordering, SortRequest
from .tokens import CursorValue, HexId, Start

__all__ = [
    "ACTIVE_LAUNCH_PLANS",
    "EXECUTIONS",
    "LAUNCH_PLANS",
    "LAUNCH_PLAN_IDS",
    "NAMED_ENTITIES",
    "NODE_EXECUTIONS",
    "NODE_EXECUTIONS_FOR_TASK",
    "PROJECTS",
    "TASKS",
    "TASK_DESCRIPTION_ENTITIES",
    "TASK_EXECUTIONS",
    "TASK_IDS",
    "WORKFLOWS",
    "WORKFLOW_DESCRIPTION_ENTITIES",
    "WORKFLOW_IDS",
    "Column",
    "Condition",
    "CursorValue",
    "Function",
    "HexId",
    "Kind",
    "ListRequest",
    "ListingArguments",
    "ListingPlan",
    "ListingSchema",
    "Ordering",
    "Scalar",
    "SortRequest",
    "Start",
    "arguments_of",
    "cursor_values",
    "description_entities",
    "field_value",
    "holds",
    "matches",
    "next_token",
    "plan_listing",
    "select_page",
]

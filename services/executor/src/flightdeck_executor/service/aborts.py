"""Aborting a run's active nodes, deepest first: task processes killed, the attempt reported
ABORTED, then the node (spec/executor.md §7)."""

from __future__ import annotations

import asyncio

from flyteidl.core import execution_pb2, literals_pb2

from flightdeck_executor.domain import agent_resources, events, names
from flightdeck_executor.domain.run_state import NODE_ACTIVE, TASK_ACTIVE, NodeState
from flightdeck_executor.service import (
    agent_tasks,
    array_nodes,
    attempts,
    launch_plan_nodes,
    reporting,
)
from flightdeck_executor.service.rounds import Round, task_key

WORKFLOW_ABORTED = "Workflow aborted."
AUTO_ABORT = "Some node execution failed, auto-abort."
TERMINATE_ATTEMPTS = 5
TERMINATE_BACKOFF_SECONDS = 0.5
"""First wait before terminating a child again; doubled each time (0.5 s … 8 s)."""


def abort_active(rnd: Round, reason: str, keep: frozenset[str] = frozenset()) -> bool:
    """True when some node was still active."""
    active = [
        (uid, node)
        for uid, node in rnd.state.nodes.items()
        if node.phase in NODE_ACTIVE and uid not in keep
    ]
    for uid, node in sorted(active, key=lambda item: -item[1].depth):
        _abort_node(rnd, uid, node, reason)
    return bool(active)


def _abort_node(rnd: Round, uid: str, node: NodeState, reason: str) -> None:
    if node.kind == "task" and node.attempts.task_phase in TASK_ACTIVE and not node.dynamic:
        _abort_attempt(rnd, uid, node, reason)
    elif node.kind == "array" and node.elements:
        array_nodes.abort(rnd, uid, node, reason)
    elif node.kind == "launchplan" and node.phase == "RUNNING":
        _abort_child(rnd, uid, reason)
    node.phase = "ABORTED"
    rnd.emit(
        "node",
        events.aborted_node_event(rnd.ref(uid, node), rnd.config.producer_id, rnd.now, reason),
    )


def _abort_attempt(rnd: Round, uid: str, node: NodeState, reason: str) -> None:
    ref = rnd.ref(uid, node)
    assert ref.task_id is not None
    template = rnd.tasks[task_key(ref.task_id)]
    plan = attempts.AttemptPlan(
        uid=uid,
        template=template,
        attempts=node.attempts,
        data_dir=node.data_dir,
        input_key=f"{node.data_dir}/inputs.pb",
        inputs=literals_pb2.LiteralMap(),
    )
    is_agent_task = bool(node.attempts.agent_meta) or agent_tasks.known(rnd, template)
    if is_agent_task:
        agent_tasks.delete_after_save(rnd, node, template)
    else:
        attempts.kill_after_save(rnd, plan)
    node.attempts.task_phase = "ABORTED"
    details = events.TaskDetails(
        task_type=template.type,
        retry_attempt=node.attempts.attempt,
        phase_version=0,
        input_uri=reporting.input_uri(rnd, node),
        generated_name=names.generated_name(rnd.execution_id.name, uid, node.attempts.attempt),
        error=execution_pb2.ExecutionError(code="Task Aborted", message=reason),
        logs=() if is_agent_task else (attempts.log_link(rnd, plan),),
        plugin=agent_resources.PLUGIN if is_agent_task else events.PLUGIN,
    )
    reporting.task_phase(rnd, uid, node, "ABORTED", details)


def _abort_child(rnd: Round, uid: str, reason: str) -> None:
    child = launch_plan_nodes.child_id(rnd, uid)
    cause = (
        f"cascading abort as parent execution id [{rnd.execution_id.name}] aborted, "
        f"reason [{reason}]"
    )
    children = rnd.engine.children

    async def terminate() -> None:
        # The parent's abort is saved already and no later round comes back to the child, so a
        # passing outage of admin is waited out here.
        for attempt in range(TERMINATE_ATTEMPTS):
            try:
                await children.terminate(child, cause)
                return
            except Exception:
                if attempt + 1 == TERMINATE_ATTEMPTS:
                    raise
                await asyncio.sleep(TERMINATE_BACKOFF_SECONDS * 2**attempt)

    rnd.after_save(terminate)

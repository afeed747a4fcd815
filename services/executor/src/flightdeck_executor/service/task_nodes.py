"""Task nodes: attempts launched, watched and retried within both budgets; a task that wrote
futures becomes a dynamic node (spec/executor.md §2.3, §2.4, §3.2)."""

from __future__ import annotations

from datetime import timedelta

from flyteidl.core import execution_pb2, identifier_pb2, tasks_pb2, workflow_pb2

from flightdeck_executor.domain import events, failures, templates
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import agent_tasks, attempts, caching, dynamic_nodes, reporting
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key

SUBMITTED = "task submitted to the local executor"


def template_of(rnd: Round, spec: workflow_pb2.Node) -> tasks_pb2.TaskTemplate:
    return rnd.tasks[task_key(spec.task_node.reference_id)]


def timeout_of(spec: workflow_pb2.Node, template: tasks_pb2.TaskTemplate) -> timedelta | None:
    if spec.metadata.HasField("timeout"):
        return spec.metadata.timeout.ToTimedelta() or None
    if template.metadata.HasField("timeout"):
        return template.metadata.timeout.ToTimedelta() or None
    return None


def max_attempts(spec: workflow_pb2.Node, template: tasks_pb2.TaskTemplate) -> int:
    node_retries = spec.metadata.retries.retries if spec.metadata.HasField("retries") else None
    task_retries = (
        template.metadata.retries.retries if template.metadata.HasField("retries") else None
    )
    return failures.max_attempts(node_retries, task_retries)


async def plan_for(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> attempts.AttemptPlan:
    spec = scope.nodes[node_id]
    template = template_of(rnd, spec)
    input_key = join_key(node.data_dir, "inputs.pb")
    return attempts.AttemptPlan(
        uid=scope.uid(node_id),
        template=template,
        attempts=node.attempts,
        data_dir=node.data_dir,
        input_key=input_key,
        inputs=await rnd.read_literals(input_key),
        timeout=timeout_of(spec, template),
    )


def task_details(rnd: Round, plan: attempts.AttemptPlan, **extra: object) -> events.TaskDetails:
    return events.TaskDetails(
        task_type=plan.template.type,
        retry_attempt=plan.attempts.attempt,
        phase_version=plan.attempts.task_version,
        input_uri=rnd.url(plan.input_key),
        generated_name=plan.generated_name(rnd.execution_id.name),
        logs=(attempts.log_link(rnd, plan),),
        **extra,  # type: ignore[arg-type]
    )


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    if node.dynamic:
        await dynamic_nodes.step(rnd, scope, node_id, node)
        return
    plan = await plan_for(rnd, scope, node_id, node)
    if await agent_tasks.handles(rnd, plan.template):
        await agent_tasks.step(rnd, scope, node_id, node, plan)
        return
    uid = scope.uid(node_id)
    generated = plan.generated_name(rnd.execution_id.name)
    if not node.attempts.task_phase:
        if await caching.may_launch(rnd, scope, node_id, node, generated):
            _start_attempt(rnd, uid, node, plan)
        return
    await caching.keep_reservation(rnd, scope, node_id, node, generated)
    progress, outcome = await attempts.observe(rnd, plan)
    if progress == "started":
        node.attempts.task_phase = "RUNNING"
        reporting.task_phase(rnd, uid, node, "RUNNING", task_details(rnd, plan))
    elif progress == "finished":
        await finish_attempt(rnd, scope, node_id, node, plan, outcome)


def _start_attempt(rnd: Round, uid: str, node: NodeState, plan: attempts.AttemptPlan) -> None:
    if not attempts.take_slot(rnd, plan):
        return
    try:
        argv = attempts.render(rnd, plan)
    except templates.TemplateRenderFailed as failure:
        error = execution_pb2.ExecutionError(
            code="FailedToBuildResource",
            message=str(failure),
            kind=execution_pb2.ExecutionError.USER,
        )
        rnd.engine.slots.release(str(attempts.attempt_dir(rnd, plan)))
        reporting.node_phase(rnd, uid, node, "FAILED", error=error)
        return
    attempts.launch(rnd, plan, argv)
    reporting.task_phase(rnd, uid, node, "QUEUED", task_details(rnd, plan, reason=SUBMITTED))
    if node.phase == "QUEUED":
        reporting.node_phase(rnd, uid, node, "RUNNING", **caching.running_details(node))


async def finish_attempt(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: attempts.AttemptPlan,
    outcome: attempts.Outcome,
) -> None:
    uid = scope.uid(node_id)
    archive_log(rnd, plan)
    if isinstance(outcome, attempts.Succeeded):
        node.attempts.task_phase = "SUCCEEDED"
        details = task_details(rnd, plan, output_uri=outcome.output_uri)
        reporting.task_phase(rnd, uid, node, "SUCCEEDED", details)
        generated = plan.generated_name(rnd.execution_id.name)
        if outcome.dynamic:
            # A dynamic parent's outputs come from its children: nothing to cache yet.
            await caching.release(rnd, scope, node_id, node, generated)
            node.dynamic, node.is_dynamic = "pending", True
            return
        cached = await caching.populated(
            rnd, scope, node_id, node, _attempt_id(rnd, uid, plan), generated, outcome.output_uri
        )
        reporting.node_phase(
            rnd,
            uid,
            node,
            "SUCCEEDED",
            output_uri=outcome.output_uri,
            checkpoint_uri=attempts.checkpoint_uri(rnd, plan),
            deck_uri=await _deck(rnd, plan),
            **cached,
        )
        return
    assert isinstance(outcome, attempts.Failed)
    await _failed_attempt(rnd, scope, node_id, node, plan, outcome.failure)


async def _failed_attempt(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: attempts.AttemptPlan,
    failure: failures.AttemptFailure,
) -> None:
    uid = scope.uid(node_id)
    # The next attempt (or another run) reserves anew rather than wait for this one to expire.
    await caching.release(rnd, scope, node_id, node, plan.generated_name(rnd.execution_id.name))
    node.attempts.task_phase = "FAILED"
    reporting.task_phase(rnd, uid, node, "FAILED", task_details(rnd, plan, error=failure.error))
    decision = failures.next_step(
        failure,
        node.attempts.attempt + 1,
        node.attempts.system_failures,
        max_attempts(scope.nodes[node_id], plan.template),
        rnd.config.max_system_failures,
    )
    if isinstance(decision, failures.Retry):
        node.attempts.attempt += 1
        node.attempts.system_failures += int(decision.counts_as_system)
        node.attempts.task_phase = ""
        return
    reporting.node_phase(
        rnd,
        uid,
        node,
        "FAILED",
        error=decision.error,
        checkpoint_uri=attempts.checkpoint_uri(rnd, plan),
    )


def _attempt_id(
    rnd: Round, uid: str, plan: attempts.AttemptPlan
) -> identifier_pb2.TaskExecutionIdentifier:
    return identifier_pb2.TaskExecutionIdentifier(
        task_id=plan.template.id,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            node_id=uid, execution_id=rnd.execution_id
        ),
        retry_attempt=plan.attempts.attempt,
    )


async def _deck(rnd: Round, plan: attempts.AttemptPlan) -> str:
    """The deck a task wrote, unless its template says it generates none (flytekit's
    default, an explicit false)."""
    metadata = plan.template.metadata
    if metadata.HasField("generates_deck") and not metadata.generates_deck.value:
        return ""
    key = join_key(plan.output_dir, "deck.html")
    return rnd.url(key) if await rnd.engine.blobs.exists(key) else ""


def archive_log(rnd: Round, plan: attempts.AttemptPlan) -> None:
    """Keeps the finished attempt's log in the object store, where any replica can serve it."""
    folder = attempts.attempt_dir(rnd, plan)
    key = join_key(
        rnd.config.metadata_prefix, "logs", str(folder.relative_to(rnd.config.work_dir)), "task.log"
    )
    blobs = rnd.engine.blobs

    async def upload() -> None:
        log = folder / "task.log"
        if log.exists():
            await blobs.write(key, log.read_bytes())

    rnd.after_save(upload)

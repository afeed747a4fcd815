"""Task nodes whose type an agent serves: the attempt is an agent task instead of a process,
created through the agents service, polled each round until the agent says it ended, deleted
when the run aborts or the attempt times out (propeller's agent plugin; admin.md §10). Its
log links and outputs are the agent's. The agents out of reach are waited out, without failing
the attempt, for ``agent_unavailable_budget`` calls in a row."""

from __future__ import annotations

from flyteidl.admin import agent_pb2
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2

from flightdeck_executor.domain import agent_resources, events, failures
from flightdeck_executor.domain.failures import AttemptFailure
from flightdeck_executor.domain.run_state import NodeState
from flightdeck_executor.service import caching, reporting
from flightdeck_executor.service.agent_ports import Agents, AgentsRefused, AgentsUnavailable
from flightdeck_executor.service.attempts import AttemptPlan
from flightdeck_executor.service.rounds import Round
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key

SUBMITTED = "task submitted to the agent"


async def handles(rnd: Round, template: tasks_pb2.TaskTemplate) -> bool:
    """A type an agent serves; a task without a container (which no process could run) asks
    the agents again first, so an agent server that just came up is not missed. With the
    agents out of reach such a task is theirs, waited for within the budget."""
    agents = rnd.engine.agents
    if agents is None:
        return False
    if known(rnd, template) or template.HasField("container") or template.HasField("k8s_pod"):
        return known(rnd, template)
    try:
        await agents.refresh_soon()
    except AgentsUnavailable:
        return True
    except AgentsRefused:
        return False
    return known(rnd, template)


def known(rnd: Round, template: tasks_pb2.TaskTemplate) -> bool:
    agents = rnd.engine.agents
    return agents is not None and agents.serves(template.type, template.task_type_version)


def _agents(rnd: Round) -> Agents:
    assert rnd.engine.agents is not None, "agent task nodes run only with agents configured"
    return rnd.engine.agents


def category(template: tasks_pb2.TaskTemplate) -> agent_pb2.TaskCategory:
    return agent_pb2.TaskCategory(name=template.type, version=template.task_type_version)


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState, plan: AttemptPlan) -> None:
    generated = plan.generated_name(rnd.execution_id.name)
    if not node.attempts.task_phase:
        if await caching.may_launch(rnd, scope, node_id, node, generated):
            await _create(rnd, scope, node_id, node, plan)
        return
    await caching.keep_reservation(rnd, scope, node_id, node, generated)
    if _timed_out(rnd, plan):
        delete_after_save(rnd, node, plan.template)
        await _failed(rnd, scope, node_id, node, plan, failures.timed_out(plan.timeout))  # type: ignore[arg-type]
        return
    try:
        resource = await _agents(rnd).get(
            category(plan.template), bytes.fromhex(node.attempts.agent_meta), _prefix(rnd, plan)
        )
    except AgentsUnavailable as error:
        await _unavailable(rnd, scope, node_id, node, plan, error)
        return
    except AgentsRefused as error:
        refusal = agent_resources.refused("poll", str(error))
        await _failed(rnd, scope, node_id, node, plan, refusal)
        return
    await _observed(rnd, scope, node_id, node, plan, resource)


async def _create(
    rnd: Round, scope: Scope, node_id: str, node: NodeState, plan: AttemptPlan
) -> None:
    agents, template = _agents(rnd), plan.template
    request = create_request(rnd, plan)
    try:
        if agents.is_sync(template.type, template.task_type_version):
            resource = await agents.execute_sync(request)
        else:
            meta = await agents.create(request)
    except AgentsUnavailable as error:
        await _unavailable(rnd, scope, node_id, node, plan, error)
        return
    except AgentsRefused as error:
        refusal = agent_resources.refused("create", str(error))
        await _failed(rnd, scope, node_id, node, plan, refusal)
        return
    node.attempts.agent_unavailable = 0
    if agents.is_sync(template.type, template.task_type_version):
        _launched(rnd, scope.uid(node_id), node, plan, b"")
        await _observed(rnd, scope, node_id, node, plan, resource)
        return
    _launched(rnd, scope.uid(node_id), node, plan, meta)


def create_request(rnd: Round, plan: AttemptPlan) -> agent_pb2.CreateTaskRequest:
    execution, spec = rnd.execution_id, rnd.created.spec
    attempt = identifier_pb2.TaskExecutionIdentifier(
        task_id=plan.template.id,
        node_execution_id=identifier_pb2.NodeExecutionIdentifier(
            node_id=plan.uid, execution_id=execution
        ),
        retry_attempt=plan.attempts.attempt,
    )
    metadata = agent_pb2.TaskExecutionMetadata(
        task_execution_id=attempt,
        namespace=f"{execution.project}-{execution.domain}",
        labels=dict(spec.labels.values),
        annotations=dict(spec.annotations.values),
        environment_variables={pair.key: pair.value for pair in spec.envs.values},
    )
    return agent_pb2.CreateTaskRequest(
        inputs=plan.inputs,
        template=plan.template,
        output_prefix=_prefix(rnd, plan),
        task_execution_metadata=metadata,
    )


def _prefix(rnd: Round, plan: AttemptPlan) -> str:
    return rnd.url(plan.output_dir)


def _launched(rnd: Round, uid: str, node: NodeState, plan: AttemptPlan, meta: bytes) -> None:
    attempts = node.attempts
    attempts.task_phase, attempts.task_version = "QUEUED", 0
    attempts.launched_at = attempts.attempt_started_at = rnd.now.timestamp()
    attempts.agent_meta = meta.hex()
    reporting.task_phase(rnd, uid, node, "QUEUED", details(rnd, plan, reason=SUBMITTED))
    if node.phase == "QUEUED":
        reporting.node_phase(rnd, uid, node, "RUNNING", **caching.running_details(node))


def details(rnd: Round, plan: AttemptPlan, **extra: object) -> events.TaskDetails:
    return events.TaskDetails(
        task_type=plan.template.type,
        retry_attempt=plan.attempts.attempt,
        phase_version=plan.attempts.task_version,
        input_uri=rnd.url(plan.input_key),
        generated_name=plan.generated_name(rnd.execution_id.name),
        plugin=agent_resources.PLUGIN,
        **extra,  # type: ignore[arg-type]
    )


async def _observed(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: AttemptPlan,
    resource: agent_pb2.Resource,
) -> None:
    node.attempts.agent_unavailable = 0
    progress = agent_resources.progress_of(resource)
    logs = tuple(resource.log_links)
    uid = scope.uid(node_id)
    if isinstance(progress, agent_resources.Running) and node.attempts.task_phase == "QUEUED":
        node.attempts.task_phase = "RUNNING"
        reporting.task_phase(rnd, uid, node, "RUNNING", details(rnd, plan, logs=logs))
    elif isinstance(progress, agent_resources.Succeeded):
        outcome = await _outputs(rnd, plan, resource)
        if isinstance(outcome, AttemptFailure):
            await _failed(rnd, scope, node_id, node, plan, outcome, logs)
        else:
            await _succeeded(rnd, scope, node_id, node, plan, outcome, logs)
    elif isinstance(progress, AttemptFailure):
        await _failed(rnd, scope, node_id, node, plan, progress, logs)


async def _outputs(
    rnd: Round, plan: AttemptPlan, resource: agent_pb2.Resource
) -> str | AttemptFailure:
    """The outputs the agent returned, written where a task writes them; else the ones it
    wrote itself under the output prefix (propeller reads both the same way)."""
    key = join_key(plan.output_dir, "outputs.pb")
    if resource.outputs.literals:
        await rnd.write_literals(key, resource.outputs)
    elif not await rnd.engine.blobs.exists(key):
        if plan.template.interface.outputs.variables:
            return failures.outputs_missing()
        await rnd.write_literals(key, literals_pb2.LiteralMap())
    return rnd.url(key)


async def _succeeded(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: AttemptPlan,
    output_uri: str,
    logs: tuple[object, ...],
) -> None:
    uid = scope.uid(node_id)
    node.attempts.task_phase = "SUCCEEDED"
    ended = details(rnd, plan, output_uri=output_uri, logs=logs)
    reporting.task_phase(rnd, uid, node, "SUCCEEDED", ended)
    generated = plan.generated_name(rnd.execution_id.name)
    attempt = create_request(rnd, plan).task_execution_metadata.task_execution_id
    cached = await caching.populated(rnd, scope, node_id, node, attempt, generated, output_uri)
    reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=output_uri, **cached)


async def _unavailable(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: AttemptPlan,
    error: AgentsUnavailable,
) -> None:
    node.attempts.agent_unavailable += 1
    calls = node.attempts.agent_unavailable
    if calls >= rnd.config.agent_unavailable_budget:
        failure = agent_resources.unreachable(calls, str(error))
        await _failed(rnd, scope, node_id, node, plan, failure)


async def _failed(
    rnd: Round,
    scope: Scope,
    node_id: str,
    node: NodeState,
    plan: AttemptPlan,
    failure: AttemptFailure,
    logs: tuple[object, ...] = (),
) -> None:
    uid = scope.uid(node_id)
    await caching.release(rnd, scope, node_id, node, plan.generated_name(rnd.execution_id.name))
    node.attempts.task_phase = "FAILED"
    reporting.task_phase(
        rnd, uid, node, "FAILED", details(rnd, plan, error=failure.error, logs=logs)
    )
    attempts = node.attempts
    spec = scope.nodes[node_id]
    node_retries = spec.metadata.retries.retries if spec.metadata.HasField("retries") else None
    task_meta = plan.template.metadata
    task_retries = task_meta.retries.retries if task_meta.HasField("retries") else None
    decision = failures.next_step(
        failure,
        attempts.attempt + 1,
        attempts.system_failures,
        failures.max_attempts(node_retries, task_retries),
        rnd.config.max_system_failures,
    )
    if isinstance(decision, failures.Retry):
        attempts.attempt += 1
        attempts.system_failures += int(decision.counts_as_system)
        attempts.task_phase, attempts.agent_meta, attempts.agent_unavailable = "", "", 0
        return
    reporting.node_phase(rnd, uid, node, "FAILED", error=decision.error)


def _timed_out(rnd: Round, plan: AttemptPlan) -> bool:
    if not plan.timeout:
        return False
    elapsed = rnd.now.timestamp() - plan.attempts.attempt_started_at
    return elapsed >= plan.timeout.total_seconds()


def delete_after_save(rnd: Round, node: NodeState, template: tasks_pb2.TaskTemplate) -> None:
    """Deletes the agent's task once the abort is saved; an agent that cannot be told is
    logged by the driver's effect runner, as propeller only logs a failed delete."""
    if not node.attempts.agent_meta or rnd.engine.agents is None:
        return
    agents, meta = rnd.engine.agents, bytes.fromhex(node.attempts.agent_meta)

    async def delete() -> None:
        await agents.delete(category(template), meta)

    rnd.after_save(delete)

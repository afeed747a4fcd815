"""Array nodes (map tasks): one attempt series per element, at most ``parallelism`` running,
reported as one task event stream with an external resource per element; the node succeeds
once enough elements did (spec/executor.md §3.8, §5.2)."""

from __future__ import annotations

from collections.abc import Sequence

from flyteidl.core import execution_pb2, literals_pb2, workflow_pb2
from flyteidl.event import event_pb2

from flightdeck_executor.domain import arrays, events, failures, names
from flightdeck_executor.domain.run_state import Element, NodeState
from flightdeck_executor.service import attempts, reporting, task_nodes
from flightdeck_executor.service.rounds import Round, task_key
from flightdeck_executor.service.scopes import Scope
from flightdeck_storage import join_key

TASK_TYPE = "container_array"
PLUGIN = "k8s-array"
ACTIVE = ("QUEUED", "RUNNING")


async def step(rnd: Round, scope: Scope, node_id: str, node: NodeState) -> None:
    uid, array = scope.uid(node_id), scope.nodes[node_id].array_node
    inputs = await rnd.read_literals(join_key(node.data_dir, "inputs.pb"))
    if node.phase == "QUEUED":
        _begin(rnd, uid, node, array, inputs)
        return
    elements = _element_inputs(array, inputs)
    changed = [
        index
        for index in _schedulable(node, array)
        if await _step_element(rnd, uid, node, array, index, elements[index])
    ]
    if await _conclude(rnd, uid, node, array):
        return
    if changed:
        node.array_version += 1
        _report(rnd, uid, node, array, "RUNNING", node.array_version, changed)


def _element_inputs(
    array: workflow_pb2.ArrayNode, inputs: literals_pb2.LiteralMap
) -> list[literals_pb2.LiteralMap]:
    return arrays.element_inputs(array, inputs)


def _begin(
    rnd: Round,
    uid: str,
    node: NodeState,
    array: workflow_pb2.ArrayNode,
    inputs: literals_pb2.LiteralMap,
) -> None:
    try:
        size = len(_element_inputs(array, inputs))
    except arrays.ArrayFailed as failure:
        error = execution_pb2.ExecutionError(
            code=failure.code, message=failure.message, kind=execution_pb2.ExecutionError.USER
        )
        reporting.node_phase(rnd, uid, node, "FAILED", error=error, is_array=True)
        return
    node.elements = [Element() for _ in range(size)]
    node.array_phase, node.array_version = "QUEUED", 0
    _report(rnd, uid, node, array, "QUEUED", 0, range(size))
    reporting.node_phase(rnd, uid, node, "RUNNING", is_array=True)


def _schedulable(node: NodeState, array: workflow_pb2.ArrayNode) -> list[int]:
    active = [i for i, e in enumerate(node.elements) if e.phase in ACTIVE]
    waiting = [i for i, e in enumerate(node.elements) if e.phase == "NOT_STARTED"]
    room = len(waiting) if array.parallelism <= 0 else max(0, array.parallelism - len(active))
    return active + waiting[:room]


def _plan(
    rnd: Round,
    uid: str,
    node: NodeState,
    array: workflow_pb2.ArrayNode | None,
    index: int,
    inputs: literals_pb2.LiteralMap,
) -> attempts.AttemptPlan:
    task_id = rnd.ref(uid, node).task_id
    assert task_id is not None, "array nodes map a task"
    template = rnd.tasks[task_key(task_id)]
    return attempts.AttemptPlan(
        uid=uid,
        template=template,
        attempts=node.elements[index].attempts,
        data_dir=node.data_dir,
        input_key=join_key(node.data_dir, "inputs.pb"),
        inputs=inputs,
        timeout=task_nodes.timeout_of(array.node, template) if array else None,
        array_index=index,
    )


async def _step_element(
    rnd: Round,
    uid: str,
    node: NodeState,
    array: workflow_pb2.ArrayNode,
    index: int,
    inputs: literals_pb2.LiteralMap,
) -> bool:
    element = node.elements[index]
    plan = _plan(rnd, uid, node, array, index, inputs)
    if not element.attempts.task_phase:
        if not attempts.take_slot(rnd, plan):
            return False
        attempts.launch(rnd, plan, attempts.render(rnd, plan))
        element.phase = "QUEUED"
        return True
    progress, outcome = await attempts.observe(rnd, plan)
    if progress == "started":
        element.attempts.task_phase = element.phase = "RUNNING"
        return True
    if progress != "finished":
        return False
    task_nodes.archive_log(rnd, plan)
    if isinstance(outcome, attempts.Succeeded):
        element.attempts.task_phase = element.phase = "SUCCEEDED"
        return True
    assert isinstance(outcome, attempts.Failed)
    return _element_failed(rnd, element, array, plan, outcome.failure)


def _element_failed(
    rnd: Round,
    element: Element,
    array: workflow_pb2.ArrayNode,
    plan: attempts.AttemptPlan,
    failure: failures.AttemptFailure,
) -> bool:
    decision = failures.next_step(
        failure,
        element.attempts.attempt + 1,
        element.attempts.system_failures,
        task_nodes.max_attempts(array.node, plan.template),
        rnd.config.max_system_failures,
    )
    if isinstance(decision, failures.Retry):
        element.attempts.attempt += 1
        element.attempts.system_failures += int(decision.counts_as_system)
        element.attempts.task_phase = ""
        element.phase = "NOT_STARTED"
        return True
    element.attempts.task_phase = element.phase = "FAILED"
    element.error = decision.error.message
    return True


async def _conclude(rnd: Round, uid: str, node: NodeState, array: workflow_pb2.ArrayNode) -> bool:
    size = len(node.elements)
    succeeded = sum(e.phase == "SUCCEEDED" for e in node.elements)
    failed = sum(e.phase == "FAILED" for e in node.elements)
    active = sum(e.phase in ACTIVE for e in node.elements)
    outcome = arrays.array_outcome(
        size, succeeded, failed, active, arrays.required_successes(array, size)
    )
    if outcome == "running":
        return False
    if outcome == "failed":
        _abort_elements(rnd, uid, node, array)
        message = "; ".join(f"[{i}]: {e.error}" for i, e in enumerate(node.elements) if e.error)
        error = execution_pb2.ExecutionError(
            code="ArrayNodeFailed", message=message, kind=execution_pb2.ExecutionError.USER
        )
        _report(rnd, uid, node, array, "FAILED", 0, range(size), error=error)
        reporting.node_phase(rnd, uid, node, "FAILED", error=error, is_array=True)
        return True
    key = join_key(node.data_dir, "0", "outputs.pb")
    await rnd.write_literals(key, await _gather(rnd, uid, node, array))
    _report(rnd, uid, node, array, "SUCCEEDED", 0, range(size), output_uri=rnd.url(key))
    reporting.node_phase(rnd, uid, node, "SUCCEEDED", output_uri=rnd.url(key), is_array=True)
    return True


async def _gather(
    rnd: Round, uid: str, node: NodeState, array: workflow_pb2.ArrayNode
) -> literals_pb2.LiteralMap:
    template = rnd.tasks[task_key(array.node.task_node.reference_id)]
    outputs: list[literals_pb2.LiteralMap | None] = []
    for index, element in enumerate(node.elements):
        if element.phase != "SUCCEEDED":
            outputs.append(None)
            continue
        plan = _plan(rnd, uid, node, array, index, literals_pb2.LiteralMap())
        outputs.append(await rnd.read_literals(join_key(plan.output_dir, "outputs.pb")))
    return arrays.gather_outputs(list(template.interface.outputs.variables), outputs)


def _abort_elements(
    rnd: Round, uid: str, node: NodeState, array: workflow_pb2.ArrayNode | None
) -> None:
    for index, element in enumerate(node.elements):
        if element.phase in ACTIVE:
            plan = _plan(rnd, uid, node, array, index, literals_pb2.LiteralMap())
            attempts.kill_after_save(rnd, plan)
            element.phase = element.attempts.task_phase = "ABORTED"


def abort(rnd: Round, uid: str, node: NodeState, reason: str) -> None:
    _abort_elements(rnd, uid, node, None)
    error = execution_pb2.ExecutionError(code="Task Aborted", message=reason)
    _report(rnd, uid, node, None, "ABORTED", 0, range(len(node.elements)), error=error)


def _report(
    rnd: Round,
    uid: str,
    node: NodeState,
    array: workflow_pb2.ArrayNode | None,
    phase: str,
    version: int,
    indexes: Sequence[int] | range,
    **extra: object,
) -> None:
    execution = rnd.execution_id.name
    external = tuple(_external(rnd, uid, node, array, index, execution) for index in indexes)
    details = events.TaskDetails(
        task_type=TASK_TYPE,
        retry_attempt=0,
        phase_version=version,
        input_uri=rnd.url(join_key(node.data_dir, "inputs.pb")),
        generated_name=names.generated_name(execution, uid, 0),
        plugin=PLUGIN,
        external_resources=external,
        **extra,  # type: ignore[arg-type]
    )
    node.array_phase = phase
    reporting.task_phase(rnd, uid, node, phase, details)


def _external(
    rnd: Round,
    uid: str,
    node: NodeState,
    array: workflow_pb2.ArrayNode | None,
    index: int,
    execution: str,
) -> event_pb2.ExternalResourceInfo:
    element = node.elements[index]
    plan = _plan(rnd, uid, node, array, index, literals_pb2.LiteralMap())
    phase = element.phase if element.phase != "NOT_STARTED" else "UNDEFINED"
    info = event_pb2.ExternalResourceInfo(
        external_id=plan.generated_name(execution),
        index=index,
        retry_attempt=element.attempts.attempt,
        phase=execution_pb2.TaskExecution.Phase.Value(phase),
    )
    if element.phase != "NOT_STARTED":
        log = attempts.log_link(rnd, plan)
        log.name = f"{log.name}-{index}"
        info.logs.append(log)
    return info

"""GetExecutionMetrics (admin.md §3.7): the span tree of an execution, walked over its node and
task executions and the compiled workflows they ran. Depth counts execution levels: each
(sub-)execution's nodes are listed only while depth is non-zero, and task attempts get spans of
their own only then."""

from __future__ import annotations

from typing import Protocol, TypeAlias

from flyteidl.admin import (
    execution_pb2,
    node_execution_pb2,
    task_execution_pb2,
    workflow_pb2,
)
from flyteidl.core import compiler_pb2, identifier_pb2
from flyteidl.core import execution_pb2 as core_execution_pb2
from flyteidl.core import workflow_pb2 as core_workflow_pb2

from flightdeck_admin.domain import execution_metrics as spans
from flightdeck_admin.domain.execution_metrics import END_NODE, START_NODE, Span
from flightdeck_admin.domain.executions_launch import require_execution_id
from flightdeck_admin.service.execution_data import ExecutionData
from flightdeck_admin.service.node_executions import NodeExecutions
from flightdeck_admin.service.record_ports import ExecutionReader
from flightdeck_admin.service.task_executions import TaskExecutions

PAGE = 50
NodeExecution: TypeAlias = node_execution_pb2.NodeExecution
Closure: TypeAlias = compiler_pb2.CompiledWorkflowClosure
Nodes: TypeAlias = dict[str, NodeExecution]


class WorkflowReader(Protocol):
    async def get(self, workflow_id: identifier_pb2.Identifier) -> workflow_pb2.Workflow:
        """Raises EntityNotFound."""


class ExecutionMetrics:
    def __init__(
        self,
        executions: ExecutionReader,
        workflows: WorkflowReader,
        nodes: NodeExecutions,
        tasks: TaskExecutions,
        data: ExecutionData,
    ) -> None:
        self._executions = executions
        self._workflows = workflows
        self._nodes = nodes
        self._tasks = tasks
        self._data = data

    async def get(
        self, request: execution_pb2.WorkflowExecutionGetMetricsRequest
    ) -> execution_pb2.WorkflowExecutionGetMetricsResponse:
        require_execution_id(request.id)
        execution = (await self._executions.get(request.id)).execution
        span = await self._execution_span(execution, request.depth)
        return execution_pb2.WorkflowExecutionGetMetricsResponse(span=span)

    async def _execution_span(self, execution: execution_pb2.Execution, depth: int) -> Span:
        closure = execution.closure
        span = Span(start_time=closure.created_at, end_time=closure.updated_at)
        span.workflow_id.CopyFrom(execution.id)
        if depth == 0:
            return span
        nodes = await self._children(execution.id, "")
        start = nodes.get(START_NODE)
        if start is None or start.closure.phase == core_execution_pb2.NodeExecution.UNDEFINED:
            span.spans.append(
                spans.operation(closure.created_at, closure.updated_at, spans.WORKFLOW_SETUP)
            )
            return span
        compiled = (await self._workflows.get(closure.workflow_id)).closure.compiled_workflow
        span.spans.append(
            spans.operation(closure.created_at, start.closure.updated_at, spans.WORKFLOW_SETUP)
        )
        span.spans.extend(await self._node_spans(nodes, compiled, depth - 1))
        span.spans.extend(
            spans.closing(END_NODE, compiled, nodes, closure.updated_at, spans.WORKFLOW_TEARDOWN)
        )
        return span

    async def _node_spans(self, nodes: Nodes, compiled: Closure, depth: int) -> list[Span]:
        """Every node but start and end, in creation order, each after the transition from its
        latest upstream node."""
        found = []
        for node in spans.by_creation(list(nodes.values())):
            spec_node_id = node.metadata.spec_node_id
            if spec_node_id in (START_NODE, END_NODE):
                continue
            template = spans.template_node(compiled, spec_node_id)
            span = await self._node_span(node, template, compiled, depth)
            upstream = compiled.primary.connections.upstream
            latest = spans.latest_upstream(spec_node_id, upstream, nodes)
            if latest is not None:
                transition = spans.operation(
                    latest.closure.updated_at, node.closure.created_at, spans.NODE_TRANSITION
                )
                span.spans.insert(0, transition)
            found.append(span)
        return found

    async def _node_span(
        self,
        node: NodeExecution,
        template: core_workflow_pb2.Node,
        compiled: Closure,
        depth: int,
    ) -> Span:
        span = Span(start_time=node.closure.created_at, end_time=node.closure.updated_at)
        span.node_id.CopyFrom(node.id)
        span.spans.extend(await self._inner_spans(node, template, compiled, depth))
        return span

    async def _inner_spans(
        self,
        node: NodeExecution,
        template: core_workflow_pb2.Node,
        compiled: Closure,
        depth: int,
    ) -> list[Span]:
        kind = template.WhichOneof("target")
        if kind == "branch_node":
            return await self._branch_spans(node, template.branch_node, compiled, depth)
        if kind == "gate_node":
            return spans.gate_spans(node)
        if kind == "workflow_node":
            workflow_node = template.workflow_node
            if workflow_node.WhichOneof("reference") == "launchplan_ref":
                return await self._launch_plan_spans(node, depth)
            return await self._sub_workflow_spans(
                node, workflow_node.sub_workflow_ref, compiled, depth
            )
        if node.metadata.is_parent_node:
            return await self._dynamic_spans(node, depth)
        return await self._task_spans(node, depth)

    async def _task_spans(self, node: NodeExecution, depth: int) -> list[Span]:
        """Task nodes, and array nodes, whose attempts are recorded on the node itself."""
        attempts = spans.by_creation(await self._attempts(node))
        if not attempts:
            return spans.whole(node)
        return [
            spans.operation(
                node.closure.created_at, attempts[0].closure.created_at, spans.NODE_SETUP
            ),
            *spans.task_attempt_spans(attempts, depth),
            *spans.finishing(node, attempts[-1]),
        ]

    async def _dynamic_spans(self, node: NodeExecution, depth: int) -> list[Span]:
        attempts = spans.by_creation(await self._attempts(node))
        if not attempts:
            return spans.whole(node)
        found = [
            spans.operation(
                node.closure.created_at, attempts[0].closure.created_at, spans.NODE_SETUP
            ),
            *spans.task_attempt_spans(attempts, depth),
        ]
        children = await self._children(node.id.execution_id, node.id.node_id)
        if not children:
            return [*found, *spans.finishing(node, attempts[-1], spans.NODE_RESET)]
        compiled = await self._data.dynamic_closure(node.id)
        if compiled is None:
            raise spans.InconsistentRecords(
                f"node execution {node.id.node_id} has children but no dynamic workflow"
            )
        if (start := children.get(START_NODE)) is not None:
            last = attempts[-1].closure.updated_at
            found.append(spans.operation(last, start.closure.updated_at, spans.NODE_RESET))
        found.extend(await self._node_spans(children, compiled, depth))
        found.extend(
            spans.closing(
                END_NODE, compiled, children, node.closure.updated_at, spans.NODE_TEARDOWN
            )
        )
        return found

    async def _branch_spans(
        self,
        node: NodeExecution,
        branch: core_workflow_pb2.BranchNode,
        compiled: Closure,
        depth: int,
    ) -> list[Span]:
        children = list((await self._children(node.id.execution_id, node.id.node_id)).values())
        if not children:
            return spans.whole(node)
        if len(children) != 1:
            raise spans.InconsistentRecords(
                "invalid branch node execution: expected 1 but found "
                f"{len(children)} node execution(s)"
            )
        taken = children[0]
        template = spans.branch_taken(taken.metadata.spec_node_id, branch)
        return [
            spans.operation(node.closure.created_at, taken.closure.created_at, spans.NODE_SETUP),
            await self._node_span(taken, template, compiled, depth),
            *spans.finishing(node, taken),
        ]

    async def _launch_plan_spans(self, node: NodeExecution, depth: int) -> list[Span]:
        if not node.closure.HasField("workflow_node_metadata"):
            return spans.whole(node)
        launched_id = node.closure.workflow_node_metadata.execution_id
        launched = (await self._executions.get(launched_id)).execution
        return [
            spans.operation(node.closure.created_at, launched.closure.created_at, spans.NODE_SETUP),
            await self._execution_span(launched, depth),
            *spans.finishing(node, launched),
        ]

    async def _sub_workflow_spans(
        self,
        node: NodeExecution,
        workflow_id: identifier_pb2.Identifier,
        compiled: Closure,
        depth: int,
    ) -> list[Span]:
        children = await self._children(node.id.execution_id, node.id.node_id)
        if not children:
            return spans.whole(node)
        found = []
        if (start := children.get(START_NODE)) is not None:
            found.append(
                spans.operation(node.closure.created_at, start.closure.updated_at, spans.NODE_SETUP)
            )
        inner = spans.sub_workflow(compiled, workflow_id)
        if inner is None:
            inner = (await self._workflows.get(workflow_id)).closure.compiled_workflow
        found.extend(await self._node_spans(children, inner, depth))
        found.extend(
            spans.closing(END_NODE, inner, children, node.closure.updated_at, spans.NODE_TEARDOWN)
        )
        return found

    async def _children(
        self, execution_id: identifier_pb2.WorkflowExecutionIdentifier, parent_node_id: str
    ) -> Nodes:
        """The node executions under a parent (top-level ones for ""), by spec node id."""
        request = node_execution_pb2.NodeExecutionListRequest(
            workflow_execution_id=execution_id, limit=PAGE, unique_parent_id=parent_node_id
        )
        found: Nodes = {}
        while True:
            page = await self._nodes.list_nodes(request)
            found.update((n.metadata.spec_node_id, n) for n in page.node_executions)
            if len(page.node_executions) < PAGE or not page.token:
                return found
            request.token = page.token

    async def _attempts(self, node: NodeExecution) -> list[task_execution_pb2.TaskExecution]:
        request = task_execution_pb2.TaskExecutionListRequest(node_execution_id=node.id, limit=PAGE)
        found: list[task_execution_pb2.TaskExecution] = []
        while True:
            page = await self._tasks.list_attempts(request)
            found.extend(page.task_executions)
            if len(page.task_executions) < PAGE or not page.token:
                return found
            request.token = page.token

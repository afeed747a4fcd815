"""A scope is one DAG the engine walks: the execution's workflow, a sub-workflow, a branch's
chosen node or a dynamic task's generated workflow. It knows its nodes' order, their
upstream, and where their data lives (spec/executor.md §2.1)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from flyteidl.core import compiler_pb2, literals_pb2, workflow_pb2

from flightdeck_executor.domain.names import unique_node_id
from flightdeck_storage import join_key

START_NODE = "start-node"
END_NODE = "end-node"


@dataclass
class Scope:
    nodes: Mapping[str, workflow_pb2.Node]
    upstream: Mapping[str, Sequence[str]]
    order: Sequence[str]
    base: str
    """Top level: the workflow's data dir W; nested: the parent's attempt output dir P."""
    top_level: bool = False
    parent_uid: str = ""
    parent_attempt: int = 0
    in_dynamic: bool = False
    parent: Scope | None = None
    depth: int = 0
    outputs: Sequence[literals_pb2.Binding] = field(default_factory=tuple)

    def uid(self, node_id: str) -> str:
        if self.top_level:
            return node_id
        return unique_node_id(node_id, self.parent_uid, self.parent_attempt)

    def data_dir(self, node_id: str) -> str:
        if self.top_level:
            return join_key(self.base, node_id, "data")
        return join_key(self.base, node_id)

    def owner_of(self, node_id: str) -> Scope:
        """The scope whose node ``node_id`` a promise names: this one or an enclosing one."""
        scope: Scope | None = self
        while scope is not None:
            if node_id in scope.nodes:
                return scope
            scope = scope.parent
        raise KeyError(node_id)


def of_workflow(
    workflow: compiler_pb2.CompiledWorkflow, base: str, parent: Scope | None = None, **context
) -> Scope:
    template = workflow.template
    nodes = {node.id: node for node in template.nodes}
    nodes.setdefault(START_NODE, workflow_pb2.Node(id=START_NODE))
    nodes.setdefault(END_NODE, workflow_pb2.Node(id=END_NODE))
    upstream = {node_id: list(ids.ids) for node_id, ids in workflow.connections.upstream.items()}
    order = _order(nodes, workflow.connections.downstream)
    if template.HasField("failure_node"):
        # Started only once the workflow fails, so it is known but never walked.
        nodes[template.failure_node.id] = template.failure_node
        upstream[template.failure_node.id] = []
    return Scope(
        nodes=nodes,
        upstream=upstream,
        order=order,
        base=base,
        parent=parent,
        depth=(parent.depth + 1) if parent else 0,
        outputs=tuple(template.outputs),
        **context,
    )


def of_single_node(node: workflow_pb2.Node, base: str, parent: Scope, **context) -> Scope:
    """A branch's chosen node: its upstream already ran in the enclosing scope."""
    return Scope(
        nodes={node.id: node},
        upstream={node.id: []},
        order=[node.id],
        base=base,
        parent=parent,
        depth=parent.depth + 1,
        **context,
    )


def _order(nodes: Mapping[str, workflow_pb2.Node], downstream: Mapping) -> list[str]:
    """Depth-first from the start node along the compiled downstream lists, as propeller
    walks; nodes it cannot reach follow in template order."""
    seen: list[str] = []
    stack = [START_NODE]
    while stack:
        node_id = stack.pop()
        if node_id in seen or node_id not in nodes:
            continue
        seen.append(node_id)
        children = list(downstream[node_id].ids) if node_id in downstream else []
        stack.extend(reversed(children))
    seen += [node_id for node_id in nodes if node_id not in seen]
    if END_NODE in seen:
        seen.remove(END_NODE)
        seen.append(END_NODE)
    return seen

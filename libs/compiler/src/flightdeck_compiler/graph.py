"""Per-compilation and per-workflow state: registered nodes, cached interfaces, edges (§2, §6.1).

Node protos are the working copies being rewritten in place, so the interface cache is keyed by
object identity and keeps a reference to each node (its id stays valid while we hold it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from flyteidl.core import compiler_pb2, tasks_pb2, workflow_pb2
from flyteidl.core.interface_pb2 import TypedInterface as Interface

from flightdeck_compiler.errors import ErrorSet
from flightdeck_compiler.references import IdentifierKey, LaunchPlanInterface

START_NODE = "start-node"
END_NODE = "end-node"


class Edges:
    """The two connection maps; each list is a set, written out sorted."""

    def __init__(self) -> None:
        self.upstream: dict[str, set[str]] = {}
        self.downstream: dict[str, set[str]] = {}

    def execution(self, upstream: str, downstream: str) -> None:
        self.downstream.setdefault(upstream, set()).add(downstream)
        self.upstream.setdefault(downstream, set()).add(upstream)

    def upstream_only(self, upstream: str, downstream: str) -> None:
        self.upstream.setdefault(downstream, set()).add(upstream)

    def to_proto(self) -> compiler_pb2.ConnectionSet:
        connections = compiler_pb2.ConnectionSet()
        for target, source in (
            (connections.upstream, self.upstream),
            (connections.downstream, self.downstream),
        ):
            for node_id in sorted(source):
                target[node_id].ids.extend(sorted(source[node_id]))
        return connections


@dataclass
class Compilation:
    """What every workflow of one CreateWorkflow call shares."""

    tasks: Mapping[IdentifierKey, tasks_pb2.TaskTemplate]
    launch_plans: Mapping[IdentifierKey, LaunchPlanInterface]
    sub_workflows: Mapping[IdentifierKey, workflow_pb2.WorkflowTemplate]
    errors: ErrorSet
    # The workflow validator, passed in because it is built on top of this module.
    sub_workflow_compiler: Callable[[Compilation, workflow_pb2.WorkflowTemplate], None]
    # Sub-workflows compiled so far, at any nesting level: each is compiled once, so branch
    # then-nodes are prefixed once (flightdeck's choice for quirk §10.4).
    compiled: dict[IdentifierKey, compiler_pb2.ConnectionSet] = field(default_factory=dict)

    def compile_sub_workflow(self, template: workflow_pb2.WorkflowTemplate) -> None:
        self.sub_workflow_compiler(self, template)


class WorkflowGraph:
    """One workflow being validated."""

    def __init__(
        self,
        compilation: Compilation,
        template: workflow_pb2.WorkflowTemplate,
        scope: tuple[set[IdentifierKey], set[IdentifierKey]],
    ) -> None:
        self.compilation = compilation
        self.errors = compilation.errors
        self.template = template
        self.task_scope, self.launch_plan_scope = scope
        self.nodes: dict[str, workflow_pb2.Node] = {}
        self.edges = Edges()
        self._interfaces: dict[int, tuple[workflow_pb2.Node, Interface | None]] = {}

    def register(self, node: workflow_pb2.Node) -> None:
        self.nodes[node.id] = node

    def has_interface_entry(self, node: workflow_pb2.Node) -> bool:
        return id(node) in self._interfaces

    def interface(self, node: workflow_pb2.Node) -> Interface | None:
        entry = self._interfaces.get(id(node))
        return entry[1] if entry is not None else None

    def remember(self, node: workflow_pb2.Node, interface: Interface | None) -> None:
        self._interfaces[id(node)] = (node, interface)

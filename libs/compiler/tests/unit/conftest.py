"""Small builders for hand-made workflows, shared by the compiler tests as the ``build`` fixture
(test modules cannot import each other under ``--import-mode=importlib``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import identifier_pb2, interface_pb2, literals_pb2, tasks_pb2, types_pb2
from flyteidl.core import workflow_pb2 as wf
from flyteidl.core.types_pb2 import LiteralType

from flightdeck_compiler import (
    LaunchPlanInterface,
    WorkflowCompileFailed,
    compile_workflow,
    index_launch_plans,
    index_tasks,
)

Types = Mapping[str, LiteralType]
EMPTY: Mapping = MappingProxyType({})


class Build:
    INT = LiteralType(simple=types_pb2.INTEGER)
    FLOAT = LiteralType(simple=types_pb2.FLOAT)
    STR = LiteralType(simple=types_pb2.STRING)
    NONE = LiteralType(simple=types_pb2.NONE)

    @staticmethod
    def list_of(element: LiteralType) -> LiteralType:
        return LiteralType(collection_type=element)

    @staticmethod
    def map_of(value: LiteralType) -> LiteralType:
        return LiteralType(map_value_type=value)

    @staticmethod
    def union(*variants: LiteralType) -> LiteralType:
        return LiteralType(union_type=types_pb2.UnionType(variants=variants))

    @staticmethod
    def optional(variant: LiteralType) -> LiteralType:
        none = LiteralType(simple=types_pb2.NONE, structure=types_pb2.TypeStructure(tag="none"))
        return Build.union(variant, none)

    @staticmethod
    def enum(*values: str) -> LiteralType:
        return LiteralType(enum_type=types_pb2.EnumType(values=values))

    @staticmethod
    def ident(name: str, kind: int = identifier_pb2.TASK) -> identifier_pb2.Identifier:
        return identifier_pb2.Identifier(
            resource_type=kind,
            project="p",
            domain="d",
            name=name,
            version="v1",  # type: ignore[arg-type]
        )

    @staticmethod
    def variables(types: Types) -> interface_pb2.VariableMap:
        result = interface_pb2.VariableMap()
        for name, literal_type in types.items():
            result.variables[name].type.CopyFrom(literal_type)
        return result

    @staticmethod
    def interface(inputs: Types = EMPTY, outputs: Types = EMPTY) -> interface_pb2.TypedInterface:
        return interface_pb2.TypedInterface(
            inputs=Build.variables(inputs), outputs=Build.variables(outputs)
        )

    @staticmethod
    def task(name: str, inputs: Types = EMPTY, outputs: Types = EMPTY) -> tasks_pb2.TaskTemplate:
        return tasks_pb2.TaskTemplate(
            id=Build.ident(name), type="python-task", interface=Build.interface(inputs, outputs)
        )

    # -- bindings
    @staticmethod
    def promise(var: str, node_id: str = "", *path: str | int) -> literals_pb2.BindingData:
        steps = [
            types_pb2.PromiseAttribute(int_value=p)
            if isinstance(p, int)
            else types_pb2.PromiseAttribute(string_value=p)
            for p in path
        ]
        return literals_pb2.BindingData(
            promise=types_pb2.OutputReference(node_id=node_id, var=var, attr_path=steps)
        )

    @staticmethod
    def integer(value: int) -> literals_pb2.BindingData:
        return literals_pb2.BindingData(
            scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
        )

    @staticmethod
    def string(value: str) -> literals_pb2.BindingData:
        primitive = literals_pb2.Primitive(string_value=value)
        return literals_pb2.BindingData(scalar=literals_pb2.Scalar(primitive=primitive))

    @staticmethod
    def none() -> literals_pb2.BindingData:
        return literals_pb2.BindingData(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))

    @staticmethod
    def collection(*items: literals_pb2.BindingData) -> literals_pb2.BindingData:
        return literals_pb2.BindingData(
            collection=literals_pb2.BindingDataCollection(bindings=items)
        )

    @staticmethod
    def mapping(**items: literals_pb2.BindingData) -> literals_pb2.BindingData:
        return literals_pb2.BindingData(map=literals_pb2.BindingDataMap(bindings=items))

    @staticmethod
    def bindings(inputs: Mapping[str, literals_pb2.BindingData]) -> list[literals_pb2.Binding]:
        return [literals_pb2.Binding(var=var, binding=data) for var, data in inputs.items()]

    # -- nodes and workflows
    @staticmethod
    def node(
        node_id: str,
        inputs: Mapping[str, literals_pb2.BindingData] = EMPTY,
        upstream: Sequence[str] = (),
        name: str | None = None,
        **target: object,
    ) -> wf.Node:
        node = wf.Node(
            id=node_id, inputs=Build.bindings(inputs), upstream_node_ids=upstream, **target
        )
        if name is not None:
            node.metadata.name = name
        return node

    @staticmethod
    def task_node(node_id: str, task: tasks_pb2.TaskTemplate, **kwargs: object) -> wf.Node:
        return Build.node(node_id, task_node=wf.TaskNode(reference_id=task.id), **kwargs)  # type: ignore[arg-type]

    @staticmethod
    def workflow(
        name: str,
        nodes: Iterable[wf.Node],
        inputs: Types = EMPTY,
        outputs: Mapping[str, tuple[LiteralType, literals_pb2.BindingData]] = EMPTY,
        failure_node: wf.Node | None = None,
    ) -> wf.WorkflowTemplate:
        template = wf.WorkflowTemplate(
            id=Build.ident(name, identifier_pb2.WORKFLOW),
            interface=Build.interface(inputs, {k: v[0] for k, v in outputs.items()}),
            nodes=nodes,
            outputs=Build.bindings({k: v[1] for k, v in outputs.items()}),
        )
        if failure_node is not None:
            template.failure_node.CopyFrom(failure_node)
        return template

    @staticmethod
    def spec(
        template: wf.WorkflowTemplate, *sub_workflows: wf.WorkflowTemplate
    ) -> admin_workflow_pb2.WorkflowSpec:
        return admin_workflow_pb2.WorkflowSpec(template=template, sub_workflows=sub_workflows)

    @staticmethod
    def launch_plan(
        name: str,
        required: Types = EMPTY,
        defaulted: Types = EMPTY,
        outputs: Types = EMPTY,
    ) -> LaunchPlanInterface:
        parameters = interface_pb2.ParameterMap()
        for var, literal_type in required.items():
            parameters.parameters[var].var.type.CopyFrom(literal_type)
            parameters.parameters[var].required = True
        for var, literal_type in defaulted.items():
            parameters.parameters[var].var.type.CopyFrom(literal_type)
            parameters.parameters[var].default.scalar.none_type.SetInParent()
        lp_id = Build.ident(name, identifier_pb2.LAUNCH_PLAN)
        return LaunchPlanInterface(lp_id, parameters, Build.variables(outputs))

    @staticmethod
    def compile(
        spec: admin_workflow_pb2.WorkflowSpec,
        tasks: Iterable[tasks_pb2.TaskTemplate] = (),
        launch_plans: Iterable[LaunchPlanInterface] = (),
    ):
        return compile_workflow(spec, index_tasks(tasks), index_launch_plans(launch_plans))

    @staticmethod
    def errors(
        spec: admin_workflow_pb2.WorkflowSpec,
        tasks: Iterable[tasks_pb2.TaskTemplate] = (),
        launch_plans: Iterable[LaunchPlanInterface] = (),
    ) -> list[tuple[str, str]]:
        """(code, node id) of every error, in print order."""
        with pytest.raises(WorkflowCompileFailed) as caught:
            Build.compile(spec, tasks, launch_plans)
        return [(str(e.code), e.node_id) for e in caught.value.errors]

    @staticmethod
    def connections(closure) -> dict[str, dict[str, list[str]]]:
        connections = closure.primary.connections
        return {
            "downstream": {k: list(v.ids) for k, v in sorted(connections.downstream.items())},
            "upstream": {k: list(v.ids) for k, v in sorted(connections.upstream.items())},
        }


@pytest.fixture
def build() -> type[Build]:
    return Build

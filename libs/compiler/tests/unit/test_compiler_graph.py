"""Workflow-level rules: nodes, ids, explicit dependencies, start/end wiring, cycles (§2, §6)."""

from __future__ import annotations

from flyteidl.core import workflow_pb2 as wf


def chain(build, *extra: wf.Node, upstream_of_n1: tuple[str, ...] = ("n0",)):
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    nodes = [
        build.task_node("n0", square, inputs={"x": build.promise("a")}),
        build.task_node(
            "n1", square, inputs={"x": build.promise("o0", "n0")}, upstream=upstream_of_n1
        ),
        *extra,
    ]
    outputs = {"o0": (build.INT, build.promise("o0", "n1"))}
    return build.spec(build.workflow("wf", nodes, {"a": build.INT}, outputs)), square


def test_chain_compiles_with_start_and_end(build) -> None:
    spec, square = chain(build)
    closure = build.compile(spec, [square])
    assert build.connections(closure) == {
        "downstream": {"n0": ["n1"], "n1": ["end-node"], "start-node": ["n0"]},
        "upstream": {"end-node": ["n1"], "n0": ["start-node"], "n1": ["n0"]},
    }
    nodes = closure.primary.template.nodes
    assert [n.id for n in nodes] == ["start-node", "end-node", "n0", "n1"]
    assert nodes[1].inputs[0].binding.promise.node_id == "n1"
    assert nodes[2].inputs[0].binding.promise.node_id == "start-node"
    assert closure.primary.template.outputs == nodes[1].inputs


def test_caller_spec_is_not_modified(build) -> None:
    spec, square = chain(build)
    before = spec.SerializeToString(deterministic=True)
    build.compile(spec, [square])
    assert spec.SerializeToString(deterministic=True) == before


def test_workflow_without_nodes(build) -> None:
    spec = build.spec(build.workflow("empty", []))
    [(code, node_id)] = build.errors(spec)
    assert code == "NoNodesFound"
    assert 'name:"empty"' in node_id


def test_node_without_id(build) -> None:
    spec, square = chain(build, build.task_node("", build.task("noop")))
    assert build.errors(spec, [square, build.task("noop")]) == [("ValueRequired", "<node>")]


def test_reserved_node_id_is_rejected(build) -> None:
    spec, square = chain(build, build.task_node("start-node", build.task("noop")))
    assert build.errors(spec, [square, build.task("noop")]) == [("DuplicateId", "start-node")]


def test_duplicate_node_id_is_rejected(build) -> None:
    spec, square = chain(build, build.task_node("n0", build.task("noop")))
    assert build.errors(spec, [square, build.task("noop")]) == [("DuplicateId", "n0")]


def test_explicit_upstream_ids_are_sorted_and_connected(build) -> None:
    noop = build.task("noop")
    spec, square = chain(
        build,
        build.task_node("n2", noop),
        build.task_node("n3", noop, upstream=("n2", "n0")),
    )
    closure = build.compile(spec, [square, noop])
    n3 = closure.primary.template.nodes[-1]
    assert list(n3.upstream_node_ids) == ["n0", "n2"]
    assert build.connections(closure)["upstream"]["n3"] == ["n0", "n2"]


def test_ghost_upstream_id_is_rejected(build) -> None:
    spec, square = chain(build, upstream_of_n1=("n0", "ghost"))
    assert build.errors(spec, [square]) == [("NodeReferenceNotFound", "ghost")]


def test_inputless_and_leaf_nodes_get_start_and_end_edges(build) -> None:
    noop = build.task("noop")
    spec, square = chain(build, build.task_node("n2", noop))
    connections = build.connections(build.compile(spec, [square, noop]))
    assert connections["upstream"]["n2"] == ["start-node"]
    assert connections["downstream"]["n2"] == ["end-node"]
    assert "start-node" not in connections["upstream"]
    assert "end-node" not in connections["downstream"]


def test_cycle_is_reported_with_its_path(build) -> None:
    spec, square = chain(build, upstream_of_n1=("n0",))
    spec.template.nodes[0].upstream_node_ids.append("n1")
    assert build.errors(spec, [square]) == [("CycleDetected", "start-node")]


def test_cycle_unreachable_from_start(build) -> None:
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    nodes = [
        build.task_node("n0", square, inputs={"x": build.promise("a")}),
        build.task_node("n1", square, inputs={"x": build.promise("o0", "n2")}),
        build.task_node("n2", square, inputs={"x": build.promise("o0", "n1")}),
    ]
    spec = build.spec(build.workflow("wf", nodes, {"a": build.INT}))
    assert build.errors(spec, [square]) == [("UnreachableNodes", "start-node")]


def test_node_without_target(build) -> None:
    spec, square = chain(build, build.node("n2"))
    assert build.errors(spec, [square]) == [("ValueRequired", "n2")]


def test_workflow_interface_variable_needs_a_type(build) -> None:
    spec, square = chain(build)
    spec.template.interface.inputs.variables["untyped"].description = "no type"
    assert build.errors(spec, [square]) == [("ValueRequired", "start-node")]


def test_missing_interface_maps_are_normalised(build) -> None:
    noop = build.task("noop")
    template = build.workflow("wf", [build.task_node("n0", noop)])
    template.ClearField("interface")
    closure = build.compile(build.spec(template), [noop])
    interface = closure.primary.template.interface
    assert interface.HasField("inputs") and interface.HasField("outputs")


def test_output_alias_renames_the_output(build) -> None:
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    n0 = build.task_node("n0", square, inputs={"x": build.promise("a")})
    n0.output_aliases.add(var="o0", alias="sq")
    n1 = build.task_node("n1", square, inputs={"x": build.promise("sq", "n0")})
    spec = build.spec(build.workflow("wf", [n0, n1], {"a": build.INT}))
    assert build.connections(build.compile(spec, [square]))["upstream"]["n1"] == ["n0"]
    n1.inputs[0].binding.promise.var = "o0"
    spec = build.spec(build.workflow("wf", [n0, n1], {"a": build.INT}))
    assert ("VariableNameNotFound", "n0") in build.errors(spec, [square])


def test_output_alias_errors(build) -> None:
    square = build.task("square", {"x": build.INT}, {"o0": build.INT})
    n0 = build.task_node("n0", square, inputs={"x": build.promise("a")})
    n0.output_aliases.add(var="o0", alias="one")
    n0.output_aliases.add(var="o0", alias="two")
    n0.output_aliases.add(var="missing", alias="three")
    spec = build.spec(build.workflow("wf", [n0], {"a": build.INT}))
    assert build.errors(spec, [square]) == [("DuplicateAlias", "n0"), ("ParameterNotBound", "n0")]


def test_interface_variable_needs_a_name(build) -> None:
    noop = build.task("noop")
    noop.interface.outputs.variables[""].type.CopyFrom(build.INT)
    spec = build.spec(build.workflow("wf", [build.task_node("n0", noop)]))
    assert build.errors(spec, [noop]) == [("ValueRequired", "n0")]

"""Binding rules (§4): names, duplicates, scalars, lists and maps, unions, promises."""

from __future__ import annotations

import pytest
from flyteidl.core import literals_pb2, types_pb2

from flightdeck_compiler import WorkflowCompileFailed


def single_task(build, input_type, binding, *, outputs=None, upstream_task=None):
    """Workflow input ``a: INT`` → optional producer n0 → consumer n1 bound as given."""
    consumer = build.task("consumer", {"x": input_type}, {"o0": build.INT})
    nodes = []
    tasks = [consumer]
    if upstream_task is not None:
        nodes.append(build.task_node("n0", upstream_task, name="producer"))
        tasks.append(upstream_task)
    nodes.append(build.task_node("n1", consumer, inputs={"x": binding}, name="consumer"))
    spec = build.spec(build.workflow("wf", nodes, {"a": build.INT}, outputs or {}))
    return spec, tasks


def test_unknown_input_name(build) -> None:
    spec, tasks = single_task(build, build.INT, build.integer(1))
    spec.template.nodes[0].inputs.add(var="zzz", binding=build.integer(2))
    assert build.errors(spec, tasks) == [("VariableNameNotFound", "n1")]


def test_binding_without_value(build) -> None:
    spec, tasks = single_task(build, build.INT, build.integer(1))
    spec.template.nodes[0].inputs[0].ClearField("binding")
    assert build.errors(spec, tasks) == [("ParameterNotBound", "n1"), ("ValueRequired", "n1")]


def test_input_bound_twice(build) -> None:
    spec, tasks = single_task(build, build.INT, build.integer(1))
    spec.template.nodes[0].inputs.add(var="x", binding=build.integer(2))
    assert build.errors(spec, tasks) == [("ParameterBoundMoreThanOnce", "n1")]


def test_unbound_input(build) -> None:
    spec, tasks = single_task(build, build.INT, build.integer(1))
    del spec.template.nodes[0].inputs[:]
    assert build.errors(spec, tasks) == [("ParameterNotBound", "n1")]


def test_unbound_optional_input_is_fine(build) -> None:
    spec, tasks = single_task(build, build.optional(build.INT), build.integer(1))
    del spec.template.nodes[0].inputs[:]
    assert build.compile(spec, tasks).primary.template.nodes[2].id == "n1"


def test_scalar_of_the_right_type(build) -> None:
    spec, tasks = single_task(build, build.INT, build.integer(1))
    assert build.compile(spec, tasks)


def test_scalar_of_the_wrong_type(build) -> None:
    spec, tasks = single_task(build, build.INT, build.string("x"))
    assert build.errors(spec, tasks) == [("MismatchingTypes", "n1")]


def test_uninferable_scalar(build) -> None:
    blob = literals_pb2.BindingData(
        scalar=literals_pb2.Scalar(blob=literals_pb2.Blob(uri="s3://x"))
    )
    spec, tasks = single_task(build, build.INT, blob)
    assert build.errors(spec, tasks) == [("UnrecognizedValue", "n1")]


@pytest.mark.parametrize(
    ("value", "ok"), [("red", True), ("blue", False)], ids=["listed", "not listed"]
)
def test_enum_values(build, value: str, ok: bool) -> None:
    spec, tasks = single_task(build, build.enum("red", "green"), build.string(value))
    if ok:
        assert build.compile(spec, tasks)
    else:
        assert build.errors(spec, tasks) == [("IllegalEnumValue", "n1")]


def test_optional_enum_values_are_checked(build) -> None:
    # flightdeck's choice (§12.7): Go skips this check for Optional[Enum].
    color = build.enum("red", "green")
    wrapped = literals_pb2.Scalar(
        union=literals_pb2.Union(
            value=literals_pb2.Literal(scalar=build.string("blue").scalar), type=color
        )
    )
    spec, tasks = single_task(
        build, build.optional(color), literals_pb2.BindingData(scalar=wrapped)
    )
    assert build.errors(spec, tasks) == [("IllegalEnumValue", "n1")]
    spec, tasks = single_task(build, build.optional(color), build.none())
    assert build.compile(spec, tasks)


def test_list_binding_mixing_promises_and_literals(build) -> None:
    binding = build.collection(build.promise("a"), build.integer(5))
    spec, tasks = single_task(build, build.list_of(build.INT), binding)
    assert build.connections(build.compile(spec, tasks))["upstream"]["n1"] == ["start-node"]


def test_list_binding_into_a_scalar(build) -> None:
    spec, tasks = single_task(build, build.INT, build.collection(build.integer(5)))
    assert build.errors(spec, tasks) == [("MismatchingBindings", "n1")]


def test_list_element_of_the_wrong_type(build) -> None:
    binding = build.collection(build.string("x"))
    spec, tasks = single_task(build, build.list_of(build.INT), binding)
    assert build.errors(spec, tasks) == [("MismatchingTypes", "n1")]


def test_map_binding(build) -> None:
    spec, tasks = single_task(build, build.map_of(build.INT), build.mapping(k=build.promise("a")))
    assert build.compile(spec, tasks)
    spec, tasks = single_task(build, build.list_of(build.INT), build.mapping(k=build.integer(1)))
    assert build.errors(spec, tasks) == [("MismatchingBindings", "n1")]


def test_list_into_a_union_picks_the_one_fitting_variant(build) -> None:
    target = build.union(build.list_of(build.INT), build.STR)
    spec, tasks = single_task(build, target, build.collection(build.integer(1)))
    assert build.compile(spec, tasks)


def test_list_fitting_two_variants_is_ambiguous(build) -> None:
    target = build.union(build.list_of(build.INT), build.list_of(build.optional(build.INT)))
    spec, tasks = single_task(build, target, build.collection(build.integer(1)))
    assert build.errors(spec, tasks) == [("AmbiguousBindingUnionValue", "n1")]


def test_list_fitting_no_variant_is_incompatible(build) -> None:
    target = build.union(build.list_of(build.INT), build.INT)
    spec, tasks = single_task(build, target, build.collection(build.string("x")))
    assert build.errors(spec, tasks) == [("IncompatibleBindingUnionValue", "n1")]


def test_offloaded_binding_is_rejected(build) -> None:
    offloaded = literals_pb2.BindingData(
        offloaded_metadata=literals_pb2.LiteralOffloadedMetadata(uri="s3://x")
    )
    spec, tasks = single_task(build, build.INT, offloaded)
    assert build.errors(spec, tasks) == [("MismatchingBindings", "n1")]


def test_promise_to_an_unknown_node(build) -> None:
    spec, tasks = single_task(build, build.INT, build.promise("o0", "nX"))
    assert build.errors(spec, tasks) == [
        ("NodeReferenceNotFound", "nX"),
        ("ParameterNotBound", "n1"),
    ]


def test_promise_to_an_unknown_output(build) -> None:
    spec, tasks = single_task(build, build.INT, build.promise("nope"))
    assert build.errors(spec, tasks) == [
        ("ParameterNotBound", "n1"),
        ("VariableNameNotFound", "start-node"),
    ]


@pytest.mark.parametrize("var", ["a-b", "a.b", ""])
def test_promise_var_syntax(build, var: str) -> None:
    spec, tasks = single_task(build, build.INT, build.promise(var))
    assert build.errors(spec, tasks) == [("SyntaxError", "n1")]


def test_promise_type_mismatch_names_both_sides(build) -> None:
    producer = build.task("producer", {}, {"o0": build.STR})
    spec, tasks = single_task(build, build.INT, build.promise("o0", "n0"), upstream_task=producer)
    with pytest.raises(WorkflowCompileFailed) as caught:
        build.compile(spec, tasks)
    [error] = caught.value.errors
    assert error.description == (
        "The output variable 'producer.o0' has type [simple:STRING], but it's assigned to the "
        "input variable 'consumer.x' which has type type [simple:INTEGER]."
    )


def test_promise_forward_reference_from_a_task_node(build) -> None:
    producer = build.task("producer", {}, {"o0": build.INT})
    spec, tasks = single_task(build, build.INT, build.promise("o0", "n0"), upstream_task=producer)
    spec.template.nodes.reverse()  # the consumer is listed before its producer
    assert build.connections(build.compile(spec, tasks))["upstream"]["n1"] == ["n0"]


def test_promise_index_prefix(build) -> None:
    producer = build.task("producer", {}, {"o0": build.list_of(build.INT)})
    spec, tasks = single_task(
        build, build.INT, build.promise("[0].o0", "n0"), upstream_task=producer
    )
    assert build.compile(spec, tasks)
    scalar_producer = build.task("producer", {}, {"o0": build.INT})
    spec, tasks = single_task(
        build, build.INT, build.promise("[0].o0", "n0"), upstream_task=scalar_producer
    )
    assert build.errors(spec, tasks) == [("MismatchingTypes", "n1")]


def dataclass_type(build, **fields):
    point = types_pb2.LiteralType(simple=types_pb2.STRUCT)
    for name, field_type in fields.items():
        point.structure.dataclass_type[name].CopyFrom(field_type)
    return point


def test_attr_path_into_dataclass_and_list(build) -> None:
    point = dataclass_type(build, x=build.INT, ys=build.list_of(build.INT))
    producer = build.task("producer", {}, {"o0": point})
    for path in (("x",), ("ys", 0)):
        binding = build.promise("o0", "n0", *path)
        spec, tasks = single_task(build, build.INT, binding, upstream_task=producer)
        assert build.compile(spec, tasks)


def test_attr_path_to_a_missing_field(build) -> None:
    producer = build.task("producer", {}, {"o0": dataclass_type(build, x=build.INT)})
    binding = build.promise("o0", "n0", "nope")
    spec, tasks = single_task(build, build.INT, binding, upstream_task=producer)
    assert build.errors(spec, tasks) == [("FieldNotFound", "n1")]


def test_workflow_output_bindings(build) -> None:
    outputs = {"o0": (build.INT, build.promise("o0", "n1"))}
    spec, tasks = single_task(build, build.INT, build.promise("a"), outputs=outputs)
    assert build.connections(build.compile(spec, tasks))["upstream"]["end-node"] == ["n1"]
    outputs = {"o0": (build.STR, build.promise("o0", "n1"))}
    spec, tasks = single_task(build, build.INT, build.promise("a"), outputs=outputs)
    assert build.errors(spec, tasks) == [("MismatchingTypes", "end-node")]

"""Binding resolution and promise attribute paths (spec §4)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgpack
import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import literals_pb2, types_pb2
from google.protobuf import struct_pb2

from flightdeck_executor.domain.bindings import (
    BindingResolutionFailed,
    promised_nodes,
    resolve_bindings,
)

# services/executor/tests/unit/<this file>: parents[4] is the repository root.
FIXTURES = Path(__file__).resolve().parents[4] / ".." / "shared" / "fixtures" / "out"


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _str(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value))
    )


def _float(value: float) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(float_value=value))
    )


def _msgpack(value: Any) -> literals_pb2.Literal:
    """How flytekit 1.16 stores a dataclass or dict: a msgpack Binary scalar."""
    binary = literals_pb2.Binary(value=msgpack.packb(value), tag="msgpack")
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(binary=binary))


def _list(*items: literals_pb2.Literal) -> literals_pb2.Literal:
    return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))


def _map(**items: literals_pb2.Literal) -> literals_pb2.Literal:
    return literals_pb2.Literal(map=literals_pb2.LiteralMap(literals=items))


def _outputs(**literals: literals_pb2.Literal) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals=literals)


def _promise(node_id: str, var: str, *path: str | int) -> literals_pb2.BindingData:
    attrs = [
        types_pb2.PromiseAttribute(string_value=p)
        if isinstance(p, str)
        else types_pb2.PromiseAttribute(int_value=p)
        for p in path
    ]
    reference = types_pb2.OutputReference(node_id=node_id, var=var, attr_path=attrs)
    return literals_pb2.BindingData(promise=reference)


def _bind(var: str, data: literals_pb2.BindingData) -> literals_pb2.Binding:
    return literals_pb2.Binding(var=var, binding=data)


def _resolve_one(
    data: literals_pb2.BindingData, outputs: dict[str, literals_pb2.LiteralMap]
) -> literals_pb2.Literal:
    return resolve_bindings([_bind("v", data)], outputs).literals["v"]


def _decoded(literal: literals_pb2.Literal) -> Any:
    assert literal.scalar.binary.tag == "msgpack"
    return msgpack.unpackb(literal.scalar.binary.value)


def test_scalar_collection_and_map_bindings_resolve_recursively() -> None:
    scalar = literals_pb2.BindingData(scalar=_int(5).scalar)
    data = literals_pb2.BindingData(
        collection=literals_pb2.BindingDataCollection(
            bindings=[_promise("", "a"), _promise("n0", "o0"), scalar]
        )
    )
    mapping = literals_pb2.BindingData(
        map=literals_pb2.BindingDataMap(bindings={"k": _promise("", "a"), "j": scalar})
    )
    outputs = {"start-node": _outputs(a=_int(1)), "n0": _outputs(o0=_int(2))}
    resolved = resolve_bindings([_bind("xs", data), _bind("m", mapping)], outputs)
    assert resolved.literals["xs"] == _list(_int(1), _int(2), _int(5))
    assert resolved.literals["m"] == _map(k=_int(1), j=_int(5))


def test_promised_nodes_lists_every_upstream_read() -> None:
    nested = literals_pb2.BindingData(
        map=literals_pb2.BindingDataMap(
            bindings={
                "k": literals_pb2.BindingData(
                    collection=literals_pb2.BindingDataCollection(bindings=[_promise("n2", "o0")])
                )
            }
        )
    )
    bindings = [_bind("a", _promise("", "a")), _bind("b", _promise("n0", "o0")), _bind("c", nested)]
    assert promised_nodes(bindings) == {"start-node", "n0", "n2"}


def test_explicit_start_node_and_empty_node_id_are_the_same() -> None:
    outputs = {"start-node": _outputs(a=_int(3))}
    assert _resolve_one(_promise("start-node", "a"), outputs) == _int(3)
    assert _resolve_one(_promise("", "a"), outputs) == _int(3)


def test_union_type_info_on_a_binding_is_ignored() -> None:
    data = literals_pb2.BindingData(
        scalar=_int(4).scalar,
        union=literals_pb2.UnionInfo(targetType=types_pb2.LiteralType(simple=types_pb2.INTEGER)),
    )
    assert _resolve_one(data, {}) == _int(4)


def test_output_aliases_map_to_the_real_variable() -> None:
    outputs = {"n0": _outputs(o0=_int(9))}
    resolved = resolve_bindings(
        [_bind("v", _promise("n0", "total"))], outputs, aliases={"n0": {"total": "o0"}}
    )
    assert resolved.literals["v"] == _int(9)


def test_legacy_indexed_var_selects_an_element() -> None:
    outputs = {"n0": _outputs(o0=_list(_int(10), _int(11)))}
    assert _resolve_one(_promise("n0", "[1].o0"), outputs) == _int(11)


def test_legacy_index_out_of_range_fails() -> None:
    outputs = {"n0": _outputs(o0=_list(_int(10)))}
    with pytest.raises(BindingResolutionFailed) as failure:
        _resolve_one(_promise("n0", "[3].o0"), outputs)
    assert failure.value.code == "BindingResolutionFailure"
    assert "Failed to find [n0[3].o0]" in failure.value.message


def test_missing_upstream_outputs_fail_with_binding_resolution_failure() -> None:
    with pytest.raises(BindingResolutionFailed) as failure:
        _resolve_one(_promise("n0", "o0"), {})
    assert failure.value.code == "BindingResolutionFailure"
    assert failure.value.wire_code == "BindingResolutionFailure"
    assert failure.value.message.startswith("Error binding Var [wf].[v], caused by: ")


def test_missing_variable_fails() -> None:
    with pytest.raises(BindingResolutionFailed) as failure:
        _resolve_one(_promise("n0", "o1"), {"n0": _outputs(o0=_int(1))})
    assert failure.value.code == "BindingResolutionFailure"
    assert "Failed to find [n0].[o1]" in failure.value.message


def test_attr_path_walks_literal_maps_and_collections() -> None:
    outputs = {"n0": _outputs(o0=_map(a=_list(_int(1), _map(b=_str("deep")))))}
    assert _resolve_one(_promise("n0", "o0", "a", 1, "b"), outputs) == _str("deep")


def test_attr_path_into_a_msgpack_dataclass_gives_a_primitive() -> None:
    outputs = {"n0": _outputs(o0=_msgpack({"x": 3, "y": [4, 5], "name": "p", "w": 0.5}))}
    assert _resolve_one(_promise("n0", "o0", "x"), outputs) == _int(3)
    assert _resolve_one(_promise("n0", "o0", "y", 1), outputs) == _int(5)
    assert _resolve_one(_promise("n0", "o0", "name"), outputs) == _str("p")
    assert _resolve_one(_promise("n0", "o0", "w"), outputs) == _float(0.5)


def test_attr_path_to_a_msgpack_list_gives_a_collection_of_binaries() -> None:
    outputs = {"n0": _outputs(o0=_msgpack({"y": [4, {"z": 1}]}))}
    resolved = _resolve_one(_promise("n0", "o0", "y"), outputs)
    assert [_decoded(item) for item in resolved.collection.literals] == [4, {"z": 1}]


def test_attr_path_to_a_nested_msgpack_dataclass_stays_binary() -> None:
    outputs = {"n0": _outputs(o0=_msgpack({"inner": {"a": 1, "b": [2]}, "flag": None}))}
    assert _decoded(_resolve_one(_promise("n0", "o0", "inner"), outputs)) == {"a": 1, "b": [2]}
    assert _decoded(_resolve_one(_promise("n0", "o0", "flag"), outputs)) is None


def test_attr_path_through_a_literal_map_into_msgpack() -> None:
    outputs = {"n0": _outputs(o0=_map(p=_msgpack({"x": 7})))}
    assert _resolve_one(_promise("n0", "o0", "p", "x"), outputs) == _int(7)


def test_msgpack_booleans_stay_booleans() -> None:
    outputs = {"n0": _outputs(o0=_msgpack({"ok": True}))}
    resolved = _resolve_one(_promise("n0", "o0", "ok"), outputs)
    assert resolved.scalar.primitive.WhichOneof("value") == "boolean"
    assert resolved.scalar.primitive.boolean is True


@pytest.mark.parametrize(
    ("output", "path", "reason"),
    [
        (_msgpack({"x": 3}), ("missing",), "key [missing] does not exist"),
        (_msgpack({"y": [1]}), ("y", 4), "index [4] is out of range"),
        (_msgpack({"y": [1]}), ("y", "a"), "unexpected attribute type"),
        (_msgpack({"x": 3}), ("x", "deeper"), "unexpected type [int]"),
        (_map(a=_int(1)), ("b",), "key [b] does not exist"),
        (_list(_int(1)), (2,), "index [2] is out of range"),
        (_int(1), ("a",), "cannot resolve [a]"),
    ],
)
def test_bad_attribute_paths_fail_with_promise_attribute_resolve_error(
    output: literals_pb2.Literal, path: tuple[str | int, ...], reason: str
) -> None:
    with pytest.raises(BindingResolutionFailed) as failure:
        _resolve_one(_promise("n0", "o0", *path), {"n0": _outputs(o0=output)})
    assert failure.value.code == "PromiseAttributeResolveError"
    assert reason in failure.value.message
    assert "failed at Node[n0]. PromiseAttributeResolveError: " in failure.value.message


def test_binary_with_an_unknown_tag_cannot_be_walked() -> None:
    binary = literals_pb2.Binary(value=b"{}", tag="json")
    output = literals_pb2.Literal(scalar=literals_pb2.Scalar(binary=binary))
    with pytest.raises(BindingResolutionFailed, match="Unsupported format 'json'"):
        _resolve_one(_promise("n0", "o0", "x"), {"n0": _outputs(o0=output)})


def _generic(value: dict[str, Any]) -> literals_pb2.Literal:
    struct = struct_pb2.Struct()
    struct.update(value)
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(generic=struct))


def test_attr_path_into_a_generic_struct() -> None:
    outputs = {"n0": _outputs(o0=_generic({"x": 3, "inner": {"a": "s"}, "ys": [1, {"b": True}]}))}
    assert _resolve_one(_promise("n0", "o0", "x"), outputs) == _float(3.0)
    assert _resolve_one(_promise("n0", "o0", "inner"), outputs) == _generic({"a": "s"})
    assert _resolve_one(_promise("n0", "o0", "ys"), outputs) == _list(
        _float(1.0), _generic({"b": True})
    )


def test_generic_struct_missing_key_fails() -> None:
    outputs = {"n0": _outputs(o0=_generic({"x": 3}))}
    with pytest.raises(BindingResolutionFailed) as failure:
        _resolve_one(_promise("n0", "o0", "y"), outputs)
    assert failure.value.code == "PromiseAttributeResolveError"


def _wf_types_nodes() -> dict[str, Any]:
    path = next(FIXTURES.glob("*wf_types.workflow.pb"))
    spec = admin_workflow_pb2.WorkflowSpec.FromString(path.read_bytes())
    return {node.id: node for node in spec.template.nodes}


def test_flytekit_wf_types_bindings_resolve_against_a_msgpack_point() -> None:
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES.resolve()}"
    nodes = _wf_types_nodes()
    outputs = {
        "start-node": _outputs(a=_int(2)),
        "n0": _outputs(o0=_msgpack({"x": 2, "y": [2, 2]})),
    }
    assert promised_nodes(nodes["n5"].inputs) == {"start-node", "n0"}
    assert resolve_bindings(nodes["n1"].inputs, outputs).literals["v"] == _int(2)
    sums = resolve_bindings(nodes["n5"].inputs, outputs)
    assert sums.literals["xs"] == _list(_int(2), _int(2), _int(5))
    assert sums.literals["m"] == _map(k=_int(2), j=_int(7))

"""ArrayNode rules (spec §3.8), against the map task flytekit registered."""

from __future__ import annotations

from pathlib import Path

import pytest
from flyteidl.admin import workflow_pb2 as admin_workflow_pb2
from flyteidl.core import literals_pb2, workflow_pb2

from flightdeck_executor.domain.arrays import (
    ArrayFailed,
    array_outcome,
    element_inputs,
    gather_outputs,
    required_successes,
)

FIXTURES = Path(__file__).resolve().parents[4] / ".." / "shared" / "fixtures" / "out"
NONE = literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))


def _int(value: int) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(integer=value))
    )


def _str(value: str) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(string_value=value))
    )


def _list(*items: literals_pb2.Literal) -> literals_pb2.Literal:
    return literals_pb2.Literal(collection=literals_pb2.LiteralCollection(literals=items))


def _inputs(**literals: literals_pb2.Literal) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals=literals)


def _map_task_array() -> workflow_pb2.ArrayNode:
    assert FIXTURES.is_dir(), f"shared fixtures not found at {FIXTURES.resolve()}"
    path = next(FIXTURES.glob("*wf_map_task.workflow.pb"))
    spec = admin_workflow_pb2.WorkflowSpec.FromString(path.read_bytes())
    return next(n.array_node for n in spec.template.nodes if n.HasField("array_node"))


def test_flytekit_map_task_maps_x_and_binds_factor() -> None:
    array = _map_task_array()
    assert list(array.bound_inputs) == ["factor"]
    inputs = _inputs(x=_list(_int(0), _int(1), _int(2)), factor=_int(3))
    assert element_inputs(array, inputs) == [
        _inputs(x=_int(0), factor=_int(3)),
        _inputs(x=_int(1), factor=_int(3)),
        _inputs(x=_int(2), factor=_int(3)),
    ]


def test_flytekit_map_task_success_ratio() -> None:
    array = _map_task_array()
    assert required_successes(array, 4) == 3
    assert required_successes(array, 3) == 3
    assert required_successes(array, 0) == 0


def test_bound_collections_pass_whole() -> None:
    array = workflow_pb2.ArrayNode(bound_inputs=["ys"])
    ys = _list(_int(7), _int(8), _int(9))
    inputs = _inputs(x=_list(_int(0), _int(1)), ys=ys)
    assert element_inputs(array, inputs) == [_inputs(x=_int(0), ys=ys), _inputs(x=_int(1), ys=ys)]


def test_unbound_scalars_pass_whole() -> None:
    inputs = _inputs(x=_list(_int(0)), factor=_int(3))
    assert element_inputs(workflow_pb2.ArrayNode(), inputs) == [_inputs(x=_int(0), factor=_int(3))]


def test_mapped_collections_must_share_a_length() -> None:
    inputs = _inputs(a=_list(_int(0), _int(1)), b=_list(_int(0)))
    with pytest.raises(ArrayFailed) as failure:
        element_inputs(workflow_pb2.ArrayNode(), inputs)
    assert failure.value.code == "InvalidArrayLength"
    assert failure.value.message == "input arrays have different lengths: expecting '2' found '1'"


def test_no_mapped_input_fails_unless_everything_is_bound() -> None:
    with pytest.raises(ArrayFailed, match="no input array provided"):
        element_inputs(workflow_pb2.ArrayNode(), _inputs(factor=_int(3)))
    array = workflow_pb2.ArrayNode(bound_inputs=["factor"])
    assert element_inputs(array, _inputs(factor=_int(3))) == [_inputs(factor=_int(3))]


def test_empty_collection_gives_no_elements() -> None:
    assert element_inputs(workflow_pb2.ArrayNode(), _inputs(x=_list())) == []


def test_required_successes_prefers_min_successes() -> None:
    assert required_successes(workflow_pb2.ArrayNode(min_successes=2), 10) == 2
    assert required_successes(workflow_pb2.ArrayNode(min_success_ratio=0.5), 5) == 3
    assert required_successes(workflow_pb2.ArrayNode(), 5) == 5


def test_float32_ratio_rounds_like_propeller() -> None:
    # 0.1 as a float32 is slightly above 0.1, so ceil(0.1 x 10) is 2, as in Go.
    assert required_successes(workflow_pb2.ArrayNode(min_success_ratio=0.1), 10) == 2


@pytest.mark.parametrize(
    ("size", "succeeded", "failed", "active", "required", "outcome"),
    [
        (3, 0, 0, 3, 3, "running"),
        (3, 3, 0, 0, 3, "succeeded"),
        (3, 1, 1, 1, 3, "failed"),
        (4, 3, 0, 1, 3, "running"),
        (4, 3, 1, 0, 3, "succeeded"),
        (4, 2, 2, 0, 3, "failed"),
        (0, 0, 0, 0, 0, "succeeded"),
    ],
)
def test_array_outcome(
    size: int, succeeded: int, failed: int, active: int, required: int, outcome: str
) -> None:
    assert array_outcome(size, succeeded, failed, active, required) == outcome


def test_gather_outputs_in_index_order_with_none_for_missing_elements() -> None:
    outputs = [_inputs(o0=_str("0")), None, _inputs(o0=_str("6"))]
    assert gather_outputs(["o0"], outputs) == _inputs(o0=_list(_str("0"), NONE, _str("6")))


def test_gather_outputs_fills_missing_variables_with_none() -> None:
    gathered = gather_outputs(["a", "b"], [_inputs(a=_int(1))])
    assert gathered == _inputs(a=_list(_int(1)), b=_list(NONE))


def test_gather_outputs_of_an_empty_array_are_empty_collections() -> None:
    gathered = gather_outputs(["o0"], [])
    assert gathered.literals["o0"].HasField("collection")
    assert len(gathered.literals["o0"].collection.literals) == 0

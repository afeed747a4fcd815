"""ArrayNode (map task) rules (spec §3.8): element inputs, the success criterion, the outputs.

Inputs named in ``array.bound_inputs`` pass whole to every element; other collections are
mapped (and must share one length); scalars pass whole. flytekit 1.16 marks the bound inputs
on the node itself (``bound_inputs``), so the array spec alone decides.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

from flyteidl.core import literals_pb2, workflow_pb2

INVALID_ARRAY_LENGTH = "InvalidArrayLength"

Outcome = Literal["running", "succeeded", "failed"]


class ArrayFailed(Exception):
    """The array node cannot start; a USER failure of the node."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def element_inputs(
    array: workflow_pb2.ArrayNode, inputs: literals_pb2.LiteralMap
) -> list[literals_pb2.LiteralMap]:
    """One input map per element, in index order."""
    bound = frozenset(array.bound_inputs)
    size = array_size(array, inputs)
    return [_element(inputs, bound, index) for index in range(size)]


def array_size(array: workflow_pb2.ArrayNode, inputs: literals_pb2.LiteralMap) -> int:
    bound = frozenset(array.bound_inputs)
    size: int | None = None
    for name in sorted(inputs.literals):
        literal = inputs.literals[name]
        if name in bound or not literal.HasField("collection"):
            continue
        length = len(literal.collection.literals)
        if size is not None and size != length:
            message = f"input arrays have different lengths: expecting '{size}' found '{length}'"
            raise ArrayFailed(INVALID_ARRAY_LENGTH, message)
        size = length
    if size is not None:
        return size
    # Only bound inputs: a single element receives them all (propeller compares counts).
    if len(array.bound_inputs) == len(inputs.literals):
        return 1
    raise ArrayFailed(INVALID_ARRAY_LENGTH, "no input array provided")


def _element(
    inputs: literals_pb2.LiteralMap, bound: frozenset[str], index: int
) -> literals_pb2.LiteralMap:
    element = literals_pb2.LiteralMap()
    for name, literal in inputs.literals.items():
        mapped = literal.HasField("collection") and name not in bound
        element.literals[name].CopyFrom(literal.collection.literals[index] if mapped else literal)
    return element


def required_successes(array: workflow_pb2.ArrayNode, size: int) -> int:
    """``min_successes``, else ``ceil(min_success_ratio * size)``, else every element."""
    criterion = array.WhichOneof("success_criteria")
    if criterion == "min_successes":
        return int(array.min_successes)
    if criterion == "min_success_ratio":
        # The ratio is a float32 on the wire; widening it first matches propeller's rounding.
        return math.ceil(array.min_success_ratio * size)
    return size


def array_outcome(size: int, succeeded: int, failed: int, active: int, required: int) -> Outcome:
    """Fail as soon as success is out of reach; succeed only once nothing is still running."""
    if size - failed < required:
        return "failed"
    if succeeded >= required and active == 0:
        return "succeeded"
    return "running"


def gather_outputs(
    variables: Sequence[str], element_outputs: Sequence[literals_pb2.LiteralMap | None]
) -> literals_pb2.LiteralMap:
    """One collection per output variable, in index order; elements without a value give none."""
    gathered = literals_pb2.LiteralMap()
    for name in variables:
        items = [_output(outputs, name) for outputs in element_outputs]
        collection = literals_pb2.LiteralCollection(literals=items)
        gathered.literals[name].CopyFrom(literals_pb2.Literal(collection=collection))
    return gathered


def _output(outputs: literals_pb2.LiteralMap | None, name: str) -> literals_pb2.Literal:
    if outputs is not None and name in outputs.literals:
        return outputs.literals[name]
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void()))

"""An input literal as ``{{.inputs.<var>}}`` renders it (spec §1.2).

Only values with an obvious text form render; maps, none, unions and generics are errors, as in
propeller. Messages keep propeller's wording (Go type names included) since users see them in
the attempt's ``FailedToBuildResource`` error.
"""

from __future__ import annotations

import msgpack
from flyteidl.core import literals_pb2

from flightdeck_executor.domain.goformat import go_float, go_rfc3339_nano, go_value

MSGPACK_TAG = "msgpack"


class LiteralNotRenderable(ValueError):
    """The literal has no text form."""


def literal_text(literal: literals_pb2.Literal) -> str:
    kind = literal.WhichOneof("value")
    if kind == "collection":
        return "[" + ",".join(literal_text(item) for item in literal.collection.literals) + "]"
    if kind == "scalar":
        return _scalar_text(literal.scalar)
    raise LiteralNotRenderable(
        f"received an unexpected primitive type [{_go_type('Literal', kind)}]"
    )


def _scalar_text(scalar: literals_pb2.Scalar) -> str:
    kind = scalar.WhichOneof("value")
    if kind == "primitive":
        return _primitive_text(scalar.primitive)
    if kind == "blob":
        return str(scalar.blob.uri)
    if kind == "schema":
        return str(scalar.schema.uri)
    if kind == "binary":
        return _binary_text(scalar)
    raise LiteralNotRenderable(f"received an unexpected scalar type [{_go_type('Scalar', kind)}]")


def _binary_text(scalar: literals_pb2.Scalar) -> str:
    if scalar.binary.tag != MSGPACK_TAG:
        raise LiteralNotRenderable(f"unsupported binary tag [{scalar.binary.tag}]")
    try:
        value = msgpack.unpackb(scalar.binary.value, raw=False, strict_map_key=False)
    except (ValueError, msgpack.UnpackException) as exc:
        raise LiteralNotRenderable(f"failed to unmarshal messagepack bytes, err:[{exc}]") from exc
    return go_value(value)


def _primitive_text(primitive: literals_pb2.Primitive) -> str:
    kind = primitive.WhichOneof("value")
    if kind == "integer":
        return str(primitive.integer)
    if kind == "boolean":
        return "true" if primitive.boolean else "false"
    if kind == "float_value":
        return go_float(primitive.float_value)
    if kind == "string_value":
        return str(primitive.string_value)
    if kind == "datetime":
        return go_rfc3339_nano(primitive.datetime.seconds, primitive.datetime.nanos)
    if kind == "duration":
        return _duration_text(primitive.duration.seconds, primitive.duration.nanos)
    raise LiteralNotRenderable(
        f"received an unexpected primitive type [{_go_type('Primitive', kind)}]"
    )


def _duration_text(seconds: int, nanos: int) -> str:
    # Go prints the message's compact text form; zero fields are omitted.
    fields = [f"seconds:{seconds}" if seconds else "", f"nanos:{nanos}" if nanos else ""]
    return " ".join(field for field in fields if field)


def _go_type(message: str, field: str | None) -> str:
    if field is None:
        return "<nil>"
    camel = "".join(word.capitalize() for word in field.split("_"))
    return f"*core.{message}_{camel}"

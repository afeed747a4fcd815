"""Protobuf literals as Flyte stores them: a serialized ``core.LiteralMap`` per object
(``.../inputs.pb``, ``.../outputs.pb`` beside a node's data; ``.../inputs`` in admin's
metadata tree, see ``layout``)."""

from __future__ import annotations

from flyteidl.core import literals_pb2
from google.protobuf.message import DecodeError

from flightdeck_storage.errors import StoreUnavailable
from flightdeck_storage.objects import ObjectStore

INPUTS = "inputs.pb"
OUTPUTS = "outputs.pb"


async def write_literal_map(
    store: ObjectStore, key: str, literals: literals_pb2.LiteralMap
) -> None:
    await store.write(key, literals.SerializeToString())


async def read_literal_map(store: ObjectStore, key: str) -> literals_pb2.LiteralMap:
    """Raises ObjectNotFound, or StoreUnavailable when the object is not a LiteralMap."""
    data = await store.read(key)
    try:
        return literals_pb2.LiteralMap.FromString(data)
    except DecodeError as e:
        raise StoreUnavailable(f"{key} does not hold a serialized LiteralMap") from e

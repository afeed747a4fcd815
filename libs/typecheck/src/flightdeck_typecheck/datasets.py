"""Castability of tabular types: the legacy ``schema`` and the structured dataset (§5.1).

Both directions between the two are allowed when the structured dataset is (or may be) parquet,
since that is the format a legacy schema is stored in.
"""

from __future__ import annotations

from collections.abc import Callable

from flyteidl.core import types_pb2
from flyteidl.core.types_pb2 import LiteralType

_Column = types_pb2.SchemaType.SchemaColumn

# The simple types a structured dataset column may have to be read as a legacy schema column.
_SCHEMA_COLUMN_TYPES = {
    types_pb2.INTEGER: _Column.INTEGER,
    types_pb2.FLOAT: _Column.FLOAT,
    types_pb2.STRING: _Column.STRING,
    types_pb2.BOOLEAN: _Column.BOOLEAN,
    types_pb2.DATETIME: _Column.DATETIME,
    types_pb2.DURATION: _Column.DURATION,
}


def schema_castable(upstream: LiteralType, downstream: LiteralType) -> bool:
    wanted = {column.name: column.type for column in downstream.schema.columns}
    kind = upstream.WhichOneof("type")
    if kind == "schema":
        offered = {column.name: column.type for column in upstream.schema.columns}
        return _columns_cover(offered, wanted, lambda up, down: up == down)
    if kind == "structured_dataset_type" and _is_parquet_or_open(upstream):
        offered_sd = {
            column.name: _schema_column_type(column.literal_type)
            for column in upstream.structured_dataset_type.columns
        }
        return _columns_cover(offered_sd, wanted, lambda up, down: up == down)
    return False


def dataset_castable(
    upstream: LiteralType,
    downstream: LiteralType,
    castable: Callable[[LiteralType, LiteralType], bool],
) -> bool:
    kind = upstream.WhichOneof("type")
    if kind == "schema":
        return _is_parquet_or_open(downstream)
    if kind != "structured_dataset_type":
        return False
    up, down = upstream.structured_dataset_type, downstream.structured_dataset_type
    if up.format and down.format and up.format.lower() != down.format.lower():
        return False
    offered = {column.name: column.literal_type for column in up.columns}
    wanted = {column.name: column.literal_type for column in down.columns}
    return _columns_cover(offered, wanted, castable)


def _columns_cover(offered: dict, wanted: dict, fits: Callable) -> bool:
    # No columns on either side means "any columns".
    if not offered or not wanted:
        return True
    return all(name in offered and fits(offered[name], kind) for name, kind in wanted.items())


def _is_parquet_or_open(literal_type: LiteralType) -> bool:
    return literal_type.structured_dataset_type.format.lower() in ("", "parquet")


def _schema_column_type(literal_type: LiteralType) -> int | None:
    if literal_type.WhichOneof("type") != "simple":
        return None
    return _SCHEMA_COLUMN_TYPES.get(literal_type.simple)

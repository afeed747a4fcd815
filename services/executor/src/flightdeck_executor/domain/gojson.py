"""The two JSON shapes Go gives a protobuf message inside a FlyteWorkflow object.

flytepropeller's types wrap most messages in a type whose ``MarshalJSON`` is golang/protobuf's
``jsonpb.Marshaler{}``: lowerCamel names, enums by name, 64-bit integers as strings, defaults
left out — what ``json_format.MessageToDict`` writes. A few messages are embedded as plain Go
structs instead (the security context, a branch's ``elseFail``, output aliases, identifiers
promoted into ``executionId``); ``encoding/json`` writes those with the generated struct tags:
snake_case names, enums as numbers, unset fields left out (every tag has ``omitempty``).
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf import json_format
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message


def jsonpb(message: Message) -> dict[str, Any]:
    """``jsonpb.Marshaler{}``: what a propeller wrapper type's ``MarshalJSON`` writes."""
    return json_format.MessageToDict(message)


def go_struct(message: Message) -> dict[str, Any]:
    """``encoding/json`` of a generated Go struct (tags ``json:"<proto name>,omitempty"``).
    Only for messages without oneofs, which Go would write as wrapper structs."""
    return {field.name: _go_value(field, value) for field, value in message.ListFields()}


def _go_value(field: FieldDescriptor, value: Any) -> Any:
    if field.is_repeated:
        if field.message_type is not None and field.message_type.GetOptions().map_entry:
            value_field = field.message_type.fields_by_name["value"]
            return {str(k): _go_scalar(value_field, v) for k, v in value.items()}
        return [_go_scalar(field, item) for item in value]
    return _go_scalar(field, value)


def _go_scalar(field: FieldDescriptor, value: Any) -> Any:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return go_struct(value)
    if field.type == FieldDescriptor.TYPE_BYTES:
        return base64.b64encode(value).decode()
    return value  # enums are their number, as Go's int32 enum types marshal

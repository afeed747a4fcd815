import base64
from typing import TypeVar, cast

import pytest
from flyteidl.admin import agent_pb2, common_pb2
from flyteidl.core import identifier_pb2, literals_pb2, tasks_pb2
from google.protobuf import field_mask_pb2
from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from flightdeck_platform.rest import fields

M = TypeVar("M", bound=Message)


def put(message: M, path: str, *values: str) -> M:
    descriptor = cast(Descriptor, message.DESCRIPTOR)
    fields.assign(message, fields.resolve(descriptor, path), list(values))
    return message


def test_nested_path_creates_sub_messages() -> None:
    request = put(common_pb2.ResourceListRequest(), "sort_by.key", "created_at")
    assert request.HasField("sort_by") and request.sort_by.key == "created_at"


def test_lower_camel_json_names_are_accepted() -> None:
    request = put(common_pb2.ResourceListRequest(), "sortBy.direction", "ASCENDING")
    assert request.sort_by.direction == common_pb2.Sort.ASCENDING


@pytest.mark.parametrize("text", ["ASCENDING", "1"])
def test_enum_by_name_or_number(text: str) -> None:
    request = put(common_pb2.ResourceListRequest(), "sort_by.direction", text)
    assert request.sort_by.direction == common_pb2.Sort.ASCENDING


def test_enum_number_that_is_not_defined_is_rejected() -> None:
    with pytest.raises(ValueError, match="not a valid"):
        put(common_pb2.NamedEntityGetRequest(), "resource_type", "99")


@pytest.mark.parametrize(
    ("path", "text", "expected"),
    [
        ("integer", "-42", -42),
        ("integer", "+7", 7),
        ("float_value", "1.5e3", 1500.0),
        ("boolean", "true", True),
        ("boolean", "F", False),
        ("string_value", "héllo", "héllo"),
    ],
)
def test_scalars(path: str, text: str, expected: object) -> None:
    assert getattr(put(literals_pb2.Primitive(), path, text), path) == expected


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("integer", "1.5"),
        ("integer", "9223372036854775808"),
        ("integer", " 1"),
        ("float_value", "1_0"),
        ("boolean", "yes"),
    ],
)
def test_bad_scalars_are_value_errors(path: str, text: str) -> None:
    with pytest.raises(ValueError):
        put(literals_pb2.Primitive(), path, text)


def test_unsigned_rejects_negative() -> None:
    with pytest.raises(ValueError, match="out of range"):
        put(common_pb2.ResourceListRequest(), "limit", "-1")


@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode])
def test_bytes_accept_standard_and_url_safe_base64(encode: object) -> None:
    raw = b"\xfb\xff\x00meta"
    text = encode(raw).decode().rstrip("=")  # type: ignore[operator]
    assert put(agent_pb2.GetTaskMetricsRequest(), "resource_meta", text).resource_meta == raw


def test_well_known_types_from_their_json_strings() -> None:
    primitive = put(literals_pb2.Primitive(), "datetime", "2024-05-01T12:30:00.5Z")
    assert primitive.datetime.seconds == 1714566600 and primitive.datetime.nanos == 500_000_000
    assert put(literals_pb2.Primitive(), "duration", "1.5s").duration.ToMilliseconds() == 1500
    metadata = put(tasks_pb2.TaskMetadata(), "generates_deck", "true")
    assert metadata.HasField("generates_deck") and metadata.generates_deck.value is True
    assert put(field_mask_pb2.FieldMask(), "paths", "a,b").paths == ["a,b"]


def test_bad_timestamp_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        put(literals_pb2.Primitive(), "datetime", "yesterday")


def test_repeated_fields_append_every_value() -> None:
    request = put(agent_pb2.GetTaskMetricsRequest(), "queries", "a", "b")
    put(request, "queries", "c")
    assert list(request.queries) == ["a", "b", "c"]


def test_singular_field_rejects_several_values() -> None:
    with pytest.raises(ValueError, match="one value"):
        put(common_pb2.ResourceListRequest(), "token", "a", "b")


def test_unknown_and_non_message_paths_are_distinguished() -> None:
    with pytest.raises(fields.UnknownField):
        fields.resolve(common_pb2.ResourceListRequest.DESCRIPTOR, "nope")
    with pytest.raises(fields.InvalidPath):
        fields.resolve(common_pb2.ResourceListRequest.DESCRIPTOR, "limit.x")


def test_message_and_map_leaves_cannot_take_a_string() -> None:
    with pytest.raises(ValueError, match="single value"):
        put(identifier_pb2.TaskExecutionIdentifier(), "task_id", "x")
    with pytest.raises(ValueError, match="map"):
        put(tasks_pb2.TaskMetadata(), "tags", "x")

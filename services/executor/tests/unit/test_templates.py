"""Template rendering of task arguments (spec §1.2)."""

from __future__ import annotations

from dataclasses import replace

import msgpack
import pytest
from flyteidl.core import literals_pb2
from google.protobuf import duration_pb2, struct_pb2, timestamp_pb2

from flightdeck_executor.domain.templates import (
    TemplatePaths,
    TemplateRenderFailed,
    render_arguments,
    uses_task_template,
)

DATA = "s3://my-s3-bucket/metadata/propeller/flytesnacks-development-abc/n0/data"
RAW = "s3://my-s3-bucket/data/r2/abc-n0-0"
PATHS = TemplatePaths(
    input=f"{DATA}/inputs.pb",
    input_prefix=DATA,
    output_prefix=f"{DATA}/0",
    raw_output_prefix=RAW,
    previous_checkpoint='""',
    checkpoint_prefix=f"{RAW}/_flytecheckpoints",
    per_retry_unique_key="abc_n0_0",
    task_template_path=None,
    namespace="flytesnacks-development",
)
NO_INPUTS = literals_pb2.LiteralMap()


def _primitive(**value: object) -> literals_pb2.Literal:
    return literals_pb2.Literal(
        scalar=literals_pb2.Scalar(primitive=literals_pb2.Primitive(**value))
    )  # type: ignore[arg-type]


def _inputs(**literals: literals_pb2.Literal) -> literals_pb2.LiteralMap:
    return literals_pb2.LiteralMap(literals=literals)


def _render_one(argument: str, inputs: literals_pb2.LiteralMap = NO_INPUTS) -> str:
    return render_arguments([argument], PATHS, inputs)[0]


def test_flytekit_arguments_render_to_the_attempt_paths() -> None:
    arguments = [
        "pyflyte-execute",
        "--inputs",
        "{{.input}}",
        "--output-prefix",
        "{{.outputPrefix}}",
        "--raw-output-data-prefix",
        "{{.rawOutputDataPrefix}}",
        "--checkpoint-path",
        "{{.checkpointOutputPrefix}}",
        "--prev-checkpoint",
        "{{.prevCheckpointPrefix}}",
        "--resolver",
        "flytekit.core.python_auto_container.default_task_resolver",
    ]
    assert render_arguments(arguments, PATHS, NO_INPUTS) == [
        "pyflyte-execute",
        "--inputs",
        f"{DATA}/inputs.pb",
        "--output-prefix",
        f"{DATA}/0",
        "--raw-output-data-prefix",
        RAW,
        "--checkpoint-path",
        f"{RAW}/_flytecheckpoints",
        "--prev-checkpoint",
        '""',
        "--resolver",
        "flytekit.core.python_auto_container.default_task_resolver",
    ]


@pytest.mark.parametrize(
    "token", ["{{.input}}", "{{ .Input }}", "{{$INPUT}}", "{{  $input\t}}", "{{.InPuT }}"]
)
def test_tokens_are_case_insensitive_with_spaces_and_dollar(token: str) -> None:
    assert _render_one(f"--inputs={token}") == f"--inputs={DATA}/inputs.pb"


def test_input_token_does_not_swallow_input_prefix() -> None:
    assert _render_one("{{.inputPrefix}}|{{.input}}") == f"{DATA}|{DATA}/inputs.pb"


def test_remaining_path_tokens() -> None:
    rendered = _render_one("{{.perRetryUniqueKey}} {{.namespace}} {{.unknownToken}}")
    assert rendered == "abc_n0_0 flytesnacks-development {{.unknownToken}}"


def test_values_are_inserted_literally() -> None:
    paths = replace(PATHS, namespace=r"ns-\1-$1")
    assert render_arguments(["{{.namespace}}"], paths, NO_INPUTS) == [r"ns-\1-$1"]


def test_namespace_inside_a_rendered_value_is_rendered_too() -> None:
    paths = replace(PATHS, output_prefix="s3://bucket/{{.namespace}}/out")
    assert render_arguments(["{{.outputPrefix}}"], paths, NO_INPUTS) == [
        "s3://bucket/flytesnacks-development/out"
    ]


def test_task_template_path_renders_only_when_known() -> None:
    paths = replace(PATHS, task_template_path=f"{DATA}/task.pb")
    assert render_arguments(["{{.taskTemplatePath}}"], paths, NO_INPUTS) == [f"{DATA}/task.pb"]
    with pytest.raises(TemplateRenderFailed):
        _render_one("{{.taskTemplatePath}}")


def test_uses_task_template_detects_the_token() -> None:
    assert uses_task_template(["a", "{{ $TaskTemplatePath }}"])
    assert not uses_task_template(["{{.input}}"])


def _timestamp(seconds: int, nanos: int = 0) -> timestamp_pb2.Timestamp:
    return timestamp_pb2.Timestamp(seconds=seconds, nanos=nanos)


def _msgpack(value: object) -> literals_pb2.Literal:
    binary = literals_pb2.Binary(value=msgpack.packb(value), tag="msgpack")
    return literals_pb2.Literal(scalar=literals_pb2.Scalar(binary=binary))


@pytest.mark.parametrize(
    ("literal", "text"),
    [
        (_primitive(integer=-42), "-42"),
        (_primitive(boolean=True), "true"),
        (_primitive(float_value=2.5), "2.5"),
        (_primitive(float_value=1e6), "1e+06"),
        (_primitive(float_value=3.0), "3"),
        (_primitive(string_value="hello world"), "hello world"),
        (_primitive(datetime=_timestamp(1700000000, 120000000)), "2023-11-14T22:13:20.12Z"),
        (_primitive(datetime=_timestamp(0)), "1970-01-01T00:00:00Z"),
        (_primitive(duration=duration_pb2.Duration(seconds=90)), "seconds:90"),
        (_primitive(duration=duration_pb2.Duration(seconds=1, nanos=5)), "seconds:1 nanos:5"),
        (
            literals_pb2.Literal(
                scalar=literals_pb2.Scalar(blob=literals_pb2.Blob(uri="s3://bucket/file.txt"))
            ),
            "s3://bucket/file.txt",
        ),
        (
            literals_pb2.Literal(
                scalar=literals_pb2.Scalar(schema=literals_pb2.Schema(uri="s3://bucket/schema"))
            ),
            "s3://bucket/schema",
        ),
        (_msgpack({"y": [1, 2], "x": 3}), "map[x:3 y:[1 2]]"),
        (_msgpack("text"), "text"),
        (
            literals_pb2.Literal(
                collection=literals_pb2.LiteralCollection(
                    literals=[_primitive(integer=1), _primitive(integer=2)]
                )
            ),
            "[1,2]",
        ),
    ],
)
def test_input_values_render_as_text(literal: literals_pb2.Literal, text: str) -> None:
    assert _render_one("{{.inputs.v}}", _inputs(v=literal)) == text


def test_input_names_are_case_sensitive_and_tokens_are_not() -> None:
    inputs = _inputs(Value=_primitive(integer=7))
    assert _render_one("--n={{ $Inputs.Value }}", inputs) == "--n=7"
    with pytest.raises(TemplateRenderFailed, match=r"requested input is not found \[value\]"):
        _render_one("{{.inputs.value}}", inputs)


@pytest.mark.parametrize(
    ("literal", "reason"),
    [
        (
            literals_pb2.Literal(
                map=literals_pb2.LiteralMap(literals={"a": _primitive(integer=1)})
            ),
            "received an unexpected primitive type [*core.Literal_Map]",
        ),
        (
            literals_pb2.Literal(scalar=literals_pb2.Scalar(none_type=literals_pb2.Void())),
            "received an unexpected scalar type [*core.Scalar_NoneType]",
        ),
        (
            literals_pb2.Literal(
                scalar=literals_pb2.Scalar(union=literals_pb2.Union(value=_primitive(integer=1)))
            ),
            "received an unexpected scalar type [*core.Scalar_Union]",
        ),
        (
            literals_pb2.Literal(scalar=literals_pb2.Scalar(generic=struct_pb2.Struct())),
            "received an unexpected scalar type [*core.Scalar_Generic]",
        ),
        (literals_pb2.Literal(), "received an unexpected primitive type [<nil>]"),
    ],
)
def test_values_without_a_text_form_fail(literal: literals_pb2.Literal, reason: str) -> None:
    with pytest.raises(TemplateRenderFailed) as failure:
        _render_one("--v={{.inputs.v}}", _inputs(v=literal))
    assert failure.value.message == (
        "0: input template [{{.inputs.v}}]: "
        f"failed to bind a value to inputName [v]: {reason}\r\n"
    )


def test_every_failing_token_is_listed() -> None:
    with pytest.raises(TemplateRenderFailed) as failure:
        _render_one("{{.inputs.a}} {{.inputs.b}}")
    assert failure.value.message == (
        "0: input template [{{.inputs.a}}]: requested input is not found [a]\r\n"
        "1: input template [{{.inputs.b}}]: requested input is not found [b]\r\n"
    )


def test_binary_with_another_tag_fails() -> None:
    binary = literals_pb2.Binary(value=b"{}", tag="json")
    literal = literals_pb2.Literal(scalar=literals_pb2.Scalar(binary=binary))
    with pytest.raises(TemplateRenderFailed, match=r"unsupported binary tag \[json\]"):
        _render_one("{{.inputs.v}}", _inputs(v=literal))

"""Rendering ``{{.token}}`` templates in a task's command and arguments (spec §1.2).

Tokens are case-insensitive, allow spaces inside the braces and accept ``$`` for the leading
``.``. They are replaced in propeller's order, so a value that itself contains a later token
(a namespace inside a path) is rendered the same way. Values are inserted literally (Go would
expand ``$1`` in them; our paths never contain one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from flyteidl.core import literals_pb2

from flightdeck_executor.domain.literal_text import LiteralNotRenderable, literal_text

# ``\s`` in Go's RE2 is ASCII whitespace without \v.
_SPACE = r"[\t\n\f\r ]*"
_INPUT_VAR = re.compile(r"\{\{" + _SPACE + r"[.$]inputs\.([^}\t\n\f\r ]+)" + _SPACE + r"\}\}", re.I)


def _token(name: str) -> re.Pattern[str]:
    return re.compile(r"\{\{" + _SPACE + r"[.$]" + name + _SPACE + r"\}\}", re.IGNORECASE)


_TASK_TEMPLATE = _token("taskTemplatePath")
_NAMESPACE = _token("namespace")


class TemplateRenderFailed(Exception):
    """An argument could not be rendered; the attempt fails before launch."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TemplatePaths:
    """The attempt-specific values the path tokens stand for."""

    input: str
    input_prefix: str
    output_prefix: str
    raw_output_prefix: str
    previous_checkpoint: str
    checkpoint_prefix: str
    per_retry_unique_key: str
    task_template_path: str | None
    namespace: str


_PATH_TOKENS: tuple[tuple[re.Pattern[str], str], ...] = (
    (_token("input"), "input"),
    (_token("outputPrefix"), "output_prefix"),
    (_token("inputPrefix"), "input_prefix"),
    (_token("rawOutputDataPrefix"), "raw_output_prefix"),
    (_token("prevCheckpointPrefix"), "previous_checkpoint"),
    (_token("checkpointOutputPrefix"), "checkpoint_prefix"),
    (_token("perRetryUniqueKey"), "per_retry_unique_key"),
)


def uses_task_template(arguments: Sequence[str]) -> bool:
    """Whether ``task.pb`` must be written: propeller offloads the template only when asked."""
    return any(_TASK_TEMPLATE.search(argument) for argument in arguments)


def render_arguments(
    arguments: Sequence[str], paths: TemplatePaths, inputs: literals_pb2.LiteralMap
) -> list[str]:
    return [_render(argument, paths, inputs) for argument in arguments]


def _render(argument: str, paths: TemplatePaths, inputs: literals_pb2.LiteralMap) -> str:
    text = argument
    for pattern, field in _PATH_TOKENS:
        text = _replace(pattern, text, getattr(paths, field))
    if _TASK_TEMPLATE.search(text):
        if paths.task_template_path is None:
            raise TemplateRenderFailed("task template path is not available")
        text = _replace(_TASK_TEMPLATE, text, paths.task_template_path)
    text = _replace(_NAMESPACE, text, paths.namespace)
    return _render_inputs(text, inputs)


def _replace(pattern: re.Pattern[str], text: str, value: str) -> str:
    return pattern.sub(lambda _match: value, text)


def _render_inputs(text: str, inputs: literals_pb2.LiteralMap) -> str:
    errors: list[str] = []

    def substitute(match: re.Match[str]) -> str:
        try:
            return _input_text(match.group(1), inputs)
        except LiteralNotRenderable as exc:
            errors.append(f"input template [{match.group(0)}]: {exc}")
            return ""

    rendered = _INPUT_VAR.sub(substitute, text)
    if errors:
        # propeller's error collection format: one numbered line per failing token.
        raise TemplateRenderFailed("".join(f"{i}: {e}\r\n" for i, e in enumerate(errors)))
    return rendered


def _input_text(name: str, inputs: literals_pb2.LiteralMap) -> str:
    if name not in inputs.literals:
        raise LiteralNotRenderable(f"requested input is not found [{name}]")
    try:
        return literal_text(inputs.literals[name])
    except LiteralNotRenderable as exc:
        raise LiteralNotRenderable(f"failed to bind a value to inputName [{name}]: {exc}") from exc

"""``google.api.http`` path templates: parsed once, matched against raw request paths.

Grammar (google/api/http.proto)::

    Template = "/" Segments [ Verb ] ;
    Segments = Segment { "/" Segment } ;
    Segment  = "*" | "**" | LITERAL | Variable ;
    Variable = "{" FieldPath [ "=" Segments ] "}" ;
    Verb     = ":" LITERAL ;

Request paths are matched segment by segment *before* percent-decoding, so an encoded ``/``
(``%2F``) inside a variable stays inside that variable instead of splitting the path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

LITERAL, ONE, MANY = 0, 1, 2
"""Segment kinds, ordered from most to least specific (they double as sort ranks)."""

_ENCODED_SLASH = re.compile("%2f", re.IGNORECASE)


class TemplateError(ValueError):
    """A path template that does not follow the grammar."""


@dataclass(frozen=True)
class Segment:
    kind: int
    text: str = ""
    """The literal text; empty for wildcards."""


@dataclass(frozen=True)
class Variable:
    field_path: str
    start: int
    """Index of the first segment the variable covers."""
    stop: int | None
    """Index after the last covered segment; ``None`` when it ends in ``**``."""


@dataclass(frozen=True)
class PathTemplate:
    source: str
    segments: tuple[Segment, ...]
    variables: tuple[Variable, ...]
    verb: str

    @property
    def shape(self) -> tuple[tuple[Segment, ...], str]:
        """What the template matches, regardless of variable names."""
        return self.segments, self.verb

    @property
    def specificity(self) -> tuple[int, tuple[int, ...]]:
        """Sort key: more literals first; among equals, literals earlier in the path win."""
        literals = sum(s.kind == LITERAL for s in self.segments) + bool(self.verb)
        return -literals, tuple(s.kind for s in self.segments)

    def match(self, parts: list[str]) -> dict[str, str] | None:
        """Variable values (decoded) for raw path segments, or ``None`` on no match."""
        stripped = _strip_verb(parts, self.verb) if self.verb else parts
        if stripped is None or not self._fits(len(stripped)):
            return None
        for segment, raw in zip(self.segments, stripped, strict=False):
            if not _segment_matches(segment, raw):
                return None
        return {v.field_path: _value(v, stripped) for v in self.variables}

    def _fits(self, count: int) -> bool:
        if self.segments and self.segments[-1].kind == MANY:
            return count >= len(self.segments) - 1
        return count == len(self.segments)


def parse_template(source: str) -> PathTemplate:
    if not source.startswith("/"):
        raise TemplateError(f"path template {source!r} must start with '/'")
    path, verb = _split_verb(source[1:])
    segments: list[Segment] = []
    variables: list[Variable] = []
    for part in _top_level_parts(path, source):
        if part.startswith("{"):
            variables.append(_parse_variable(part, len(segments), segments, source))
        else:
            segments.append(_parse_segment(part, source))
    if any(s.kind == MANY for s in segments[:-1]):
        raise TemplateError(f"'**' must be the last segment in {source!r}")
    return PathTemplate(source, tuple(segments), tuple(variables), verb)


def split_path(raw_path: str) -> list[str]:
    """Raw (still percent-encoded) segments of a request path."""
    return raw_path[1:].split("/") if raw_path.startswith("/") else raw_path.split("/")


def _split_verb(path: str) -> tuple[str, str]:
    tail = max(path.rfind("/"), path.rfind("}")) + 1
    colon = path.find(":", tail)
    return (path, "") if colon < 0 else (path[:colon], path[colon + 1 :])


def _top_level_parts(path: str, source: str) -> list[str]:
    parts, current, depth = [], "", 0
    for char in path:
        depth += (char == "{") - (char == "}")
        if depth not in (0, 1):
            raise TemplateError(f"unbalanced braces in {source!r}")
        if char == "/" and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth:
        raise TemplateError(f"unbalanced braces in {source!r}")
    return [*parts, current]


def _parse_variable(part: str, start: int, segments: list[Segment], source: str) -> Variable:
    if not part.endswith("}"):
        raise TemplateError(f"bad variable {part!r} in {source!r}")
    field_path, _, pattern = part[1:-1].partition("=")
    if not field_path:
        raise TemplateError(f"variable without a field path in {source!r}")
    covered = [_parse_segment(p, source) for p in (pattern or "*").split("/")]
    segments.extend(covered)
    stop = None if covered[-1].kind == MANY else start + len(covered)
    return Variable(field_path, start, stop)


def _parse_segment(part: str, source: str) -> Segment:
    if part == "*":
        return Segment(ONE)
    if part == "**":
        return Segment(MANY)
    if not part or any(c in part for c in "{}=*"):
        raise TemplateError(f"bad segment {part!r} in {source!r}")
    return Segment(LITERAL, part)


def _strip_verb(parts: list[str], verb: str) -> list[str] | None:
    suffix = ":" + verb
    last = parts[-1]
    if len(last) <= len(suffix) or not last.endswith(suffix):
        return None
    return [*parts[:-1], last[: -len(suffix)]]


def _segment_matches(segment: Segment, raw: str) -> bool:
    if segment.kind == LITERAL:
        return unquote(raw) == segment.text
    return segment.kind == MANY or raw != ""


def _value(variable: Variable, parts: list[str]) -> str:
    covered = parts[variable.start : variable.stop]
    if len(covered) == 1 and variable.stop is not None:
        return unquote(covered[0])
    # Multi-segment values keep "%2F" encoded (http.proto), so "/" stays a separator.
    return "/".join("%2F".join(map(unquote, _ENCODED_SLASH.split(p))) for p in covered)

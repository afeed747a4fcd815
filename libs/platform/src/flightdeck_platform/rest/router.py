"""Choosing the binding for a request: verb and path template, most specific template first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Generic, TypeVar

from flightdeck_platform.rest.errors import MethodNotAllowed, RouteNotFound
from flightdeck_platform.rest.paths import PathTemplate, split_path

T = TypeVar("T")


class AmbiguousRoutes(ValueError):
    """Two bindings with the same verb match exactly the same paths."""


class Router(Generic[T]):
    def __init__(self, entries: Iterable[tuple[str, PathTemplate, T]]) -> None:
        by_verb: dict[str, list[tuple[PathTemplate, T]]] = defaultdict(list)
        for verb, template, target in entries:
            by_verb[verb].append((template, target))
        for verb, candidates in by_verb.items():
            _reject_duplicates(verb, candidates)
            # Specific first, so "/executions/relaunch" wins over "/executions/{name}".
            candidates.sort(key=lambda candidate: candidate[0].specificity)
        self._by_verb = dict(by_verb)

    def resolve(self, verb: str, raw_path: str) -> tuple[T, dict[str, str]]:
        """The target and its path variables; ``RouteNotFound``/``MethodNotAllowed`` if none."""
        parts = split_path(raw_path)
        for template, target in self._by_verb.get(verb, ()):
            params = template.match(parts)
            if params is not None:
                return target, params
        if self._matches_other_verb(verb, parts):
            raise MethodNotAllowed()
        raise RouteNotFound()

    def _matches_other_verb(self, verb: str, parts: list[str]) -> bool:
        return any(
            template.match(parts) is not None
            for other, candidates in self._by_verb.items()
            if other != verb
            for template, _ in candidates
        )


def _reject_duplicates(verb: str, candidates: list[tuple[PathTemplate, T]]) -> None:
    seen: dict[object, str] = {}
    for template, _ in candidates:
        if template.shape in seen:
            earlier = seen[template.shape]
            raise AmbiguousRoutes(f"{verb} {template.source} duplicates {verb} {earlier}")
        seen[template.shape] = template.source

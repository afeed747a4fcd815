"""Text-matching filter values as regular expressions, in the subset of syntax that Python's
``re``, MongoDB's PCRE and FerretDB's Go RE2 read alike.

``not_like`` keeps SQL LIKE semantics: ``%`` is any run of characters (newlines included: match
with DOTALL / the ``s`` option), ``_`` is one character, a backslash makes the next character
literal (PostgreSQL's default escape), and the pattern must cover the whole value. ``contains``
matches its value literally anywhere in the field: the reference wraps it in ``%...%`` and so
also treats ``%`` and ``_`` inside it as wildcards, which flightdeck does not.
"""

from __future__ import annotations

_METACHARACTERS = frozenset("\\.^$|?*+()[]{}")


def literal(text: str) -> str:
    return "".join("\\" + char if char in _METACHARACTERS else char for char in text)


def like_body(pattern: str) -> str:
    """The regex for a LIKE pattern, without anchors."""
    parts: list[str] = []
    chars = iter(pattern)
    for char in chars:
        if char == "\\":
            parts.append(literal(next(chars, "\\")))
        elif char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(literal(char))
    return "".join(parts)

"""Text limits measured in bytes, as the wire and the reference measure them."""

from __future__ import annotations


def cut_to_bytes(text: str, limit: int) -> str:
    """At most ``limit`` bytes of UTF-8, cut back to whole characters."""
    encoded = text.encode()
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode(errors="ignore")
